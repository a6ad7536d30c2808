import type { Clock } from '@switchyard/core';
import type { CapabilityHolds } from './capabilityHolds.js';

const DAY_MS = 24 * 3600_000;

/**
 * Per-session daily quotas (for example scrapes per day). A session that uses up its quota
 * loses `capability` until the next UTC day, so the pool hands its work to other sessions
 * and nothing is dropped: work that no session may take waits for the day to turn.
 */
export class DailyQuota {
  readonly #clock: Clock;
  readonly #holds: CapabilityHolds;
  readonly #capability: string;
  readonly #limitOf: (session: string) => number;
  readonly #used = new Map<string, { day: number; count: number }>();

  constructor(options: {
    clock: Clock;
    holds: CapabilityHolds;
    capability: string;
    limitOf: (session: string) => number;
  }) {
    this.#clock = options.clock;
    this.#holds = options.holds;
    this.#capability = options.capability;
    this.#limitOf = options.limitOf;
  }

  /** Count one use. Returns false (and counts nothing) when the session is already out of quota. */
  take(session: string): boolean {
    const now = this.#clock.now();
    const day = Math.floor(now / DAY_MS);
    const limit = this.#limitOf(session);
    const entry = this.#used.get(session);
    const count = entry?.day === day ? entry.count : 0;
    if (count >= limit) {
      this.#holds.hold(session, this.#capability, (day + 1) * DAY_MS - now);
      return false;
    }
    this.#used.set(session, { day, count: count + 1 });
    if (count + 1 >= limit) this.#holds.hold(session, this.#capability, (day + 1) * DAY_MS - now);
    return true;
  }

  /** Uses left today. */
  remaining(session: string): number {
    const day = Math.floor(this.#clock.now() / DAY_MS);
    const entry = this.#used.get(session);
    return Math.max(0, this.#limitOf(session) - (entry?.day === day ? entry.count : 0));
  }

  forget(session: string): void {
    this.#used.delete(session);
  }
}
