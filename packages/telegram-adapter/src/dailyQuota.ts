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

  /**
   * Count one use. Returns false (and counts nothing) when the session is already out of
   * quota. Called from a task's run, so it touches no pool: `exhausted` does that later.
   */
  take(session: string): boolean {
    const day = Math.floor(this.#clock.now() / DAY_MS);
    const entry = this.#used.get(session);
    const count = entry?.day === day ? entry.count : 0;
    if (count >= this.#limitOf(session)) return false;
    this.#used.set(session, { day, count: count + 1 });
    return true;
  }

  /** The session found itself out of quota: it loses `capability` until the UTC day ends. */
  exhausted(session: string): void {
    const now = this.#clock.now();
    this.#holds.hold(session, this.#capability, (Math.floor(now / DAY_MS) + 1) * DAY_MS - now);
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
