import type { WorkerView } from '@switchyard/core';

/**
 * Share factor in [minFactor, 1] for a worker that became ready `now - readySince` ms ago.
 * Linear ramp, as Envoy's slow start: a joining worker is probed, not flooded.
 */
export function slowStartFactor(
  worker: WorkerView,
  now: number,
  windowMs: number,
  minFactor: number,
): number {
  if (windowMs <= 0) return 1;
  const age = now - worker.readySince;
  if (!(age < windowMs)) return 1; // also catches NaN readySince
  const f = age / windowMs;
  return Math.max(f, minFactor);
}

/** A usable weight: non-finite or non-positive weights count as a tiny weight, never NaN. */
export function effectiveWeight(worker: WorkerView): number {
  const w = worker.weight;
  return w > 0 && Number.isFinite(w) ? w : 1e-6;
}

/** inFlight / capacity, with capacity 0 (or garbage) meaning "full" instead of NaN. */
export function relativeLoad(inFlight: number, capacity: number): number {
  return capacity > 0 ? inFlight / capacity : Number.POSITIVE_INFINITY;
}
