/** A progress reading: campaign clock time, real time, and items settled in this run. */
export interface ProgressPoint {
  readonly t: number;
  readonly real: number;
  readonly settled: number;
}

/** Time left in campaign time and in real time, ms; null when unknown. */
export interface Eta {
  readonly etaMs: number | null;
  readonly etaRealMs: number | null;
}

const UNKNOWN: Eta = { etaMs: null, etaRealMs: null };

/**
 * Time left at the recent rate, from the first and last of `recent` (the caller keeps a short
 * window, so a slow start or a stall an hour ago does not skew it): in campaign time, and in
 * real time at the clock's observed speed (the demo's clock runs `--speed` times real time).
 * Null when nothing settled in the window or no time passed.
 */
export function estimateEta(remaining: number, recent: readonly ProgressPoint[]): Eta {
  const first = recent[0];
  const last = recent[recent.length - 1];
  if (remaining <= 0) return { etaMs: 0, etaRealMs: 0 };
  if (first === undefined || last === undefined) return UNKNOWN;
  const settled = last.settled - first.settled;
  const campaignMs = last.t - first.t;
  const realMs = last.real - first.real;
  if (settled <= 0 || campaignMs <= 0) return UNKNOWN;
  const etaMs = (remaining * campaignMs) / settled;
  return { etaMs, etaRealMs: realMs > 0 ? (etaMs * realMs) / campaignMs : null };
}

/**
 * One operation's ETA when other operations share the fleet. `left`: its items not settled;
 * `own`: its readings; `fleet.recent`: the readings of every tracked operation together;
 * `fleet.ahead`: items left in the running operations tracked before it; `fleet.all`: items
 * left in every running operation, itself included (each null when an operation of unknown
 * length makes it unknown).
 *
 * - While it settles: its `left` at its own recent rate, but never later than the fleet takes
 *   to settle `all` at its recent rate (by then this one is done too, however the operations
 *   share the fleet), so a trickle of settled items does not read as hours.
 * - While it settles nothing (its items wait behind another operation's): its turn comes once
 *   the fleet has settled what lies ahead, so the fleet's rate over `ahead` plus its own `left`.
 *   With nothing ahead, the fleet's time for `all`.
 *
 * Null when no rate is known: nothing settled in the window, or no time passed.
 */
export function operationEta(
  left: number,
  own: readonly ProgressPoint[],
  fleet: {
    readonly recent: readonly ProgressPoint[];
    readonly ahead: number | null;
    readonly all: number | null;
  },
): Eta {
  const mine = estimateEta(left, own);
  const whole = fleet.all === null ? UNKNOWN : estimateEta(fleet.all, fleet.recent);
  if (mine.etaMs !== null) return whole.etaMs !== null && whole.etaMs < mine.etaMs ? whole : mine;
  if (fleet.ahead !== null && fleet.ahead > 0) return estimateEta(fleet.ahead + left, fleet.recent);
  return whole;
}
