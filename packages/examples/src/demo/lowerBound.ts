/** What bounds one session's sending rate, and for how long it could send. */
export interface SessionCapacity {
  /** Sends per ms the session may make: the slower of our pacing and Telegram's limit for it. */
  readonly ratePerMs: number;
  /** Clock time the session stopped being able to send (revoked, PEER_FLOOD), or Infinity. */
  readonly usableUntil: number;
}

/**
 * The earliest the campaign could have finished `messages` sends if every session sent at its
 * full allowed rate for as long as it was usable, and the fleet never above its cap
 * (`fleetRatePerMs`, sends per ms for all sessions together; the pool enforces it): the
 * smallest T with ∫₀ᵀ min(cap, Σ rate_s over the sessions usable at t) dt ≥ messages. Flood
 * waits, latency and retries only add to the real makespan, so this is a lower bound to
 * measure the scheduler against.
 */
export function makespanLowerBound(
  sessions: readonly SessionCapacity[],
  messages: number,
  fleetRatePerMs = Number.POSITIVE_INFINITY,
): number {
  if (messages <= 0) return 0;
  // The fleet's rate is a step function of time that falls as sessions stop being usable.
  const ends = [...new Set(sessions.map((s) => Math.max(0, s.usableUntil)))].sort((a, b) => a - b);
  let from = 0;
  let sent = 0;
  for (const end of ends) {
    const rate = Math.min(
      fleetRatePerMs,
      sessions.reduce((n, s) => (s.usableUntil > from ? n + s.ratePerMs : n), 0),
    );
    if (rate > 0 && sent + rate * (end - from) >= messages) return from + (messages - sent) / rate;
    if (rate > 0) sent += rate * (end - from);
    from = end;
  }
  return Number.POSITIVE_INFINITY;
}
