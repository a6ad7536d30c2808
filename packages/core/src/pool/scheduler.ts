import type { Clock } from '../types.js';

/** A wake-up set on the scheduler; pass it to `cancel`. */
export interface Wake {
  readonly at: number;
}

interface Entry extends Wake {
  handle: unknown;
  readonly callback: () => void;
}

/**
 * Every timed wake-up of one pool goes through here: retry waits, pacing and rate wake-ups,
 * task deadlines, attempt timeouts and the close timeout. The clock it is given chains long
 * waits (see `chainLongWaits`), and `cancelAll` on close leaves no timer behind.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #live = new Set<Entry>();
  #closed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Run `callback` in `ms` (at least 0); the callback never runs inside the caller's stack. */
  after(ms: number, callback: () => void): Wake {
    const at = this.#clock.now() + ms;
    const entry: Entry = { at, handle: undefined, callback };
    if (this.#closed) return entry;
    entry.handle = this.#clock.setTimeout(() => {
      if (!this.#live.delete(entry)) return;
      entry.callback();
    }, ms);
    this.#live.add(entry);
    return entry;
  }

  /** Cancel a wake-up (a no-op if it already ran or was cancelled). Always returns undefined. */
  cancel(wake: Wake | undefined): undefined {
    const entry = wake as Entry | undefined;
    if (entry !== undefined && this.#live.delete(entry)) this.#clock.clearTimeout(entry.handle);
    return undefined;
  }

  /** Wake-ups set and not yet run or cancelled. */
  get size(): number {
    return this.#live.size;
  }

  /** Cancel everything; later `after` calls set nothing. */
  cancelAll(): void {
    this.#closed = true;
    for (const entry of this.#live) this.#clock.clearTimeout(entry.handle);
    this.#live.clear();
  }
}
