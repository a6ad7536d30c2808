/** What bounds one session's sending rate, and for how long it could send. */
export interface SessionCapacity {
  /** Sends per ms the session may make: the slower of our pacing and Telegram's limit for it. */
  readonly ratePerMs: number;
  /** Clock time the session stopped being able to send (revoked, PEER_FLOOD), or Infinity. */
  readonly usableUntil: number;
}

/**
 * The earliest the campaign could have finished `messages` sends if every session sent at
 * its full allowed rate for as long as it was usable: the smallest T with
 * Σ rate_s × min(T, usableUntil_s) ≥ messages. Flood waits, latency and retries only add to
 * the real makespan, so this is a lower bound to measure the scheduler against.
 */
export function makespanLowerBound(sessions: readonly SessionCapacity[], messages: number): number {
  if (messages <= 0) return 0;
  const capacityAt = (t: number) =>
    sessions.reduce((n, s) => n + s.ratePerMs * Math.min(t, s.usableUntil), 0);
  let lo = 0;
  let hi = 1;
  while (capacityAt(hi) < messages) {
    hi *= 2;
    if (hi > 1e15) return Number.POSITIVE_INFINITY;
  }
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (capacityAt(mid) >= messages) hi = mid;
    else lo = mid;
  }
  return hi;
}
