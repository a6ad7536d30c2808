import type { Clock, Random } from '../types.js';

/** Node's (and browsers') timers hold at most 2³¹−1 ms; a longer delay fires after about 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A clock whose `setTimeout` accepts any delay: a wait longer than `MAX_TIMER_MS` is chained
 * through several shorter timers on `clock`, so it fires when it is due instead of after 1 ms.
 * Non-finite or negative delays count as 0.
 */
export function chainLongWaits(clock: Clock): Clock {
  return {
    now: () => clock.now(),
    setTimeout(callback, ms) {
      const due = clock.now() + (Number.isFinite(ms) && ms > 0 ? ms : 0);
      const chain: { handle: unknown } = { handle: undefined };
      const arm = () => {
        const left = due - clock.now();
        chain.handle =
          left > MAX_TIMER_MS ? clock.setTimeout(arm, MAX_TIMER_MS) : clock.setTimeout(callback, left);
      };
      arm();
      return chain;
    },
    clearTimeout(handle) {
      if (typeof handle === 'object' && handle !== null && 'handle' in handle)
        clock.clearTimeout(handle.handle);
    },
  };
}

/**
 * The real clock: wall time in ms and the global timers. Waits longer than the timers' limit
 * (about 24.8 days) are chained, so they fire when due.
 */
export const systemClock: Clock = chainLongWaits({
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * Virtual time for tests, the simulator and benchmarks. Nothing happens until you advance it.
 * Timers due at the same instant fire in the order they were set. `advance*` methods let
 * promise callbacks settle between timers, so async code behaves as it would in real time.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  // Binary min-heap on (at, id).
  #heap: Timer[] = [];
  #cancelled = new Set<number>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#seq;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#push({ id, at: this.#now + delay, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#cancelled.add(handle);
  }

  /** Timers set and not yet fired or cleared. */
  pendingTimers(): number {
    let n = 0;
    for (const t of this.#heap) if (!this.#cancelled.has(t.id)) n++;
    return n;
  }

  /** Clock time of the next live timer, or undefined. */
  nextTimerAt(): number | undefined {
    this.#dropCancelledTop();
    return this.#heap[0]?.at;
  }

  /** Fire every timer due at or before `now + ms` synchronously (no promise settling in between). */
  tick(ms: number): void {
    const end = this.#now + ms;
    while (this.#fireNext(end));
    this.#now = end;
  }

  /** Advance by `ms`, firing timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await flushMicrotasks();
    while (this.#fireNext(end)) await flushMicrotasks();
    this.#now = end;
    await flushMicrotasks();
  }

  /** Advance to `at` (absolute clock time). */
  advanceTo(at: number): Promise<void> {
    return this.advance(Math.max(0, at - this.#now));
  }

  /** Fire timers until none is left (or `limitMs` of virtual time passes), letting promises settle. */
  async runAll(limitMs = 24 * 3600_000): Promise<void> {
    const end = this.#now + limitMs;
    await flushMicrotasks();
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > end) break;
      await this.advanceTo(at);
    }
  }

  /** Fire the next live timer due at or before `end`; false when there is none. */
  #fireNext(end: number): boolean {
    this.#dropCancelledTop();
    const top = this.#heap[0];
    if (top === undefined || top.at > end) return false;
    this.#pop();
    this.#now = top.at;
    top.callback();
    return true;
  }

  #dropCancelledTop(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || !this.#cancelled.has(top.id)) return;
      this.#cancelled.delete(top.id);
      this.#pop();
    }
  }

  #less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id);
  }

  #push(t: Timer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** Let queued promise callbacks run. Several macrotask-free turns, enough for chained awaits. */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** A small, fast, seedable PRNG (mulberry32). Same seed, same sequence. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
