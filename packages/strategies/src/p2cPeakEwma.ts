import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { type OutcomeCostOptions, observeInto, STATS_EVENTS, statsTable } from './statsOptions.js';
import { weightedDraw } from './weightedDraw.js';

export interface P2cPeakEwmaOptions extends CommonStrategyOptions, OutcomeCostOptions {
  /**
   * Cost of a worker that has work outstanding but no latency sample yet. Finagle uses a large
   * penalty so an unknown worker is probed with one task at a time. Default 10 000 ms.
   */
  unknownPenaltyMs?: number;
}

/** Two latencies within this relative distance count as equal. */
const TIE_BAND = 0.5;

/**
 * Power of two choices over peak-EWMA cost, the Finagle/Linkerd default: draw two distinct
 * candidates and take the cheaper, where
 *   cost = (peakEwmaLatency + 1) × (inFlight / (weight × slowStart) + 1).
 * Peak EWMA jumps to a slow sample at once and decays with τ (`decayMs`) toward the worker's
 * latency EWMA, which itself fades toward the mean latency with the age of the worker's last
 * sample: a worker that slows down is avoided within one response, an idle worker does not look
 * faster than it is, and a worker avoided for being slow is tried again after a few τ; failures
 * and rate limits are charged as large latencies. Latencies within 50 % of each other count as
 * equal, and then the lower load alone decides (by more than half a task per unit of weight).
 *
 * Weights are proportions at every load level, as in Envoy's weighted least request: the two
 * candidates are drawn with probability ∝ weight × slowStart (not uniformly), and a tie (an idle
 * pool, where no worker has anything in flight) goes to the first drawn, so idle traffic splits
 * by weight; under load, in-flight work counts per unit of weight, so busy workers carry work in
 * proportion to their weights too. The weighted draw is rejection sampling against a running
 * bound of weight × slowStart: O(1) expected per pick, one exact O(candidates) pass when unlucky.
 * No allocation.
 */
export function p2cPeakEwma(options: P2cPeakEwmaOptions = {}): InspectableStrategy {
  const common = resolveCommon('p2cPeakEwma', options, 10_000);
  const table = statsTable('p2cPeakEwma', options, common);
  const unknownPenalty = options.unknownPenaltyMs ?? 10_000;
  const tauMs = options.decayMs ?? 10_000;
  /** Mean EWMA latency of the workers with samples, refreshed at most every 250 ms. */
  let meanLatency = 0;
  let meanAt = Number.NEGATIVE_INFINITY;

  const { mass, draw } = weightedDraw(common.random, common);

  /** Latency part of the cost (ms + 1). */
  const latencyOf = (w: WorkerView, now: number): number => {
    const s = table.get(w.id);
    let latency = 0;
    if (s !== undefined && s.samples > 0) {
      // The peak decays toward the worker's EWMA, and that fades toward the mean with the age of
      // its last sample: an idle worker neither looks faster than it is nor stays shunned forever.
      const c = Math.exp(-Math.max(0, now - s.ewmaAt) / tauMs);
      latency = Math.max(table.peakCost(s, now), c * s.ewma + (1 - c) * meanLatency);
    }
    // With no latency known yet (idle, unknown), pending alone still orders workers.
    if (latency === 0 && w.inFlight > 0) latency = unknownPenalty;
    return latency + 1;
  };

  /** Load part of the cost: in-flight work per unit of weight × slow start, plus one. */
  const loadOf = (w: WorkerView, now: number): number => w.inFlight / mass(w, now) + 1;

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const now = common.clock.now();
    if (now - meanAt >= 250) {
      meanLatency = table.meanLatency() ?? 0;
      meanAt = now;
    }
    const i = draw(candidates, n, -1, now);
    const j = draw(candidates, n, i, now);
    const a = candidates[i]!;
    const b = candidates[j]!;
    const la = latencyOf(a, now);
    const lb = latencyOf(b, now);
    // Latencies within the tie band count as equal (they differ by noise, not by speed): then
    // the lower load wins, and the first drawn (∝ weight) when loads tie too, as on an idle pool.
    // Loads within half a task per unit of weight tie too: one task on a worker weighted 2 is
    // half of one on a worker weighted 1, not more.
    if (la <= lb * (1 + TIE_BAND) && lb <= la * (1 + TIE_BAND))
      return loadOf(b, now) + 0.5 < loadOf(a, now) ? b : a;
    return lb * loadOf(b, now) < la * loadOf(a, now) ? b : a;
  };

  return {
    name: 'p2c-peak-ewma',
    events: STATS_EVENTS,
    select: (task, candidates) => constrained(task, candidates, pick),
    observe: (events$) => observeInto(table, events$),
    trackedWorkers: () => table.ids(),
  };
}
