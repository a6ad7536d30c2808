/**
 * A token bucket on the injected clock: `perSecond` tokens a second, holding at most `burst`
 * (default: one second's worth, at least 1). Starts full.
 */
export class TokenBucket {
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

  /** How long until a token is there (0: now). */
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
