/** A progress reading: campaign clock time, real time, and items settled in this run. */
export interface ProgressPoint {
  readonly t: number;
  readonly real: number;
  readonly settled: number;
}

/**
 * Time left at the recent rate, from the first and last of `recent` (the caller keeps a short
 * window, so a slow start or a stall an hour ago does not skew it): in campaign time, and in
 * real time at the clock's observed speed (the demo's clock runs `--speed` times real time).
 * Null when nothing settled in the window or no time passed.
 */
export function estimateEta(
  remaining: number,
  recent: readonly ProgressPoint[],
): { readonly etaMs: number | null; readonly etaRealMs: number | null } {
  const first = recent[0];
  const last = recent[recent.length - 1];
  if (remaining <= 0) return { etaMs: 0, etaRealMs: 0 };
  if (first === undefined || last === undefined) return { etaMs: null, etaRealMs: null };
  const settled = last.settled - first.settled;
  const campaignMs = last.t - first.t;
  const realMs = last.real - first.real;
  if (settled <= 0 || campaignMs <= 0) return { etaMs: null, etaRealMs: null };
  const etaMs = (remaining * campaignMs) / settled;
  return { etaMs, etaRealMs: realMs > 0 ? (etaMs * realMs) / campaignMs : null };
}
