import type { Clock, Pool } from '@switchyard/core';

interface Hold {
  until: number;
  /** Gives the capability back at `until`; undefined once the holds are stopped. */
  timer: unknown;
}

/**
 * Takes capabilities away from workers for a while and gives them back on the injected
 * clock: `PEER_FLOOD` takes "send to strangers" for hours, an exhausted daily quota takes
 * "scrape" until the day ends. The pool's worker record stays the only copy of the
 * effective capabilities; this class only remembers each worker's full set and the holds.
 */
export class CapabilityHolds {
  readonly #pool: Pick<Pool<unknown>, 'updateWorker'>;
  readonly #clock: Clock;
  readonly #base = new Map<string, readonly string[]>();
  readonly #held = new Map<string, Map<string, Hold>>();
  #stopped = false;

  constructor(pool: Pick<Pool<unknown>, 'updateWorker'>, clock: Clock) {
    this.#pool = pool;
    this.#clock = clock;
  }

  register(worker: string, capabilities: readonly string[]): void {
    this.#base.set(worker, [...capabilities]);
  }

  unregister(worker: string): void {
    for (const hold of this.#held.get(worker)?.values() ?? []) this.#clock.clearTimeout(hold.timer);
    this.#held.delete(worker);
    this.#base.delete(worker);
  }

  /** Take `capability` from `worker` for `ms`; extends, never shortens, a current hold. */
  hold(worker: string, capability: string, ms: number): void {
    if (this.#stopped || !this.#base.has(worker)) return;
    const until = this.#clock.now() + ms;
    let holds = this.#held.get(worker);
    if (holds === undefined) {
      holds = new Map();
      this.#held.set(worker, holds);
    }
    const current = holds.get(capability);
    if (current !== undefined) {
      if (current.until >= until) return;
      this.#clock.clearTimeout(current.timer);
    }
    const timer = this.#clock.setTimeout(() => this.release(worker, capability), ms);
    holds.set(capability, { until, timer });
    this.#apply(worker);
  }

  release(worker: string, capability: string): void {
    const holds = this.#held.get(worker);
    const hold = holds?.get(capability);
    if (holds === undefined || hold === undefined) return;
    this.#clock.clearTimeout(hold.timer);
    holds.delete(capability);
    this.#apply(worker);
  }

  /** Whether the worker has the capability now (registered and not held). */
  has(worker: string, capability: string): boolean {
    return (
      (this.#base.get(worker)?.includes(capability) ?? false) && !this.#held.get(worker)?.has(capability)
    );
  }

  /** Clock time the hold ends, if one is in force. */
  heldUntil(worker: string, capability: string): number | undefined {
    return this.#held.get(worker)?.get(capability)?.until;
  }

  /**
   * Clear every timer and take no new hold (shutdown). The holds in force stay readable
   * (`heldUntil`): a restriction is the account's, and what a session was at the end of the run
   * is what a last look at the fleet should show.
   */
  stop(): void {
    this.#stopped = true;
    for (const holds of this.#held.values())
      for (const hold of holds.values()) {
        this.#clock.clearTimeout(hold.timer);
        hold.timer = undefined;
      }
  }

  #apply(worker: string): void {
    const base = this.#base.get(worker) ?? [];
    const holds = this.#held.get(worker);
    this.#pool.updateWorker(worker, { capabilities: base.filter((c) => !holds?.has(c)) });
  }
}
