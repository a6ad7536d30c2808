/** A pool-wide limit on how often tasks of one kind may start. */
export interface StartRate {
  /** How long until a start is allowed (0: now). */
  waitMs(now: number): number;
  /** Record a start at `now`. */
  take(now: number): void;
}

/** The `rates` option for one kind. */
export interface RateLimit {
  /** Starts per second on average. */
  perSecond: number;
  /**
   * Token bucket (default): how many starts may happen back to back after a quiet spell.
   * Default one second's worth (at least 1). The bucket starts full, so `{ perSecond: 30 }`
   * allows 30 starts at once and then 30 a second: up to 59 in the first second.
   */
  burst?: number;
  /**
   * A strict sliding window instead of a token bucket: never more than `perSecond` starts in
   * any window of one second (for a fractional rate, one start per `1000 / perSecond` ms).
   * Use it where the other side counts starts in a sliding window.
   */
  strict?: boolean;
}

export function createStartRate(rate: RateLimit, now: number): StartRate {
  return rate.strict === true
    ? new SlidingWindow(rate.perSecond)
    : new TokenBucket(rate.perSecond, rate.burst, now);
}

/**
 * A token bucket on the injected clock: `perSecond` tokens a second, holding at most `burst`
 * (default: one second's worth, at least 1). Starts full.
 */
export class TokenBucket implements StartRate {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, burst: number | undefined, now: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, burst ?? perSecond);
    this.#tokens = this.#burst;
    this.#at = now;
  }

  waitMs(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  take(now: number): void {
    this.#refill(now);
    this.#tokens -= 1;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
      this.#at = now;
    }
  }
}

/**
 * At most `n` starts in any window of `windowMs`: the last `n` start times in a ring; a start
 * is allowed once the oldest of them is a full window old. `perSecond ≥ 1` gives
 * n = ⌊perSecond⌋ per 1 s; a smaller rate gives one start per `1000 / perSecond` ms.
 */
export class SlidingWindow implements StartRate {
  readonly #starts: Float64Array;
  readonly #windowMs: number;
  #next = 0;

  constructor(perSecond: number) {
    const n = Math.max(1, Math.floor(perSecond));
    this.#windowMs = perSecond >= 1 ? 1000 : 1000 / perSecond;
    this.#starts = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  }

  waitMs(now: number): number {
    // The slot about to be reused holds the oldest of the last n starts.
    const oldest = this.#starts[this.#next]!;
    return Math.max(0, Math.ceil(oldest + this.#windowMs - now));
  }

  take(now: number): void {
    this.#starts[this.#next] = now;
    this.#next = (this.#next + 1) % this.#starts.length;
  }
}
