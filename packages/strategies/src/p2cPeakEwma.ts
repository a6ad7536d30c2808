import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { randomIndex } from './randomIndex.js';
import { effectiveWeight, slowStartFactor } from './slowStart.js';
import { type OutcomeCostOptions, observeInto, STATS_EVENTS, statsTable } from './statsOptions.js';

export interface P2cPeakEwmaOptions extends CommonStrategyOptions, OutcomeCostOptions {
  /**
   * Cost of a worker that has work outstanding but no latency sample yet. Finagle uses a large
   * penalty so an unknown worker is probed with one task at a time. Default 10 000 ms.
   */
  unknownPenaltyMs?: number;
}

/**
 * Power of two choices over peak-EWMA cost, the Finagle/Linkerd default: sample two distinct
 * candidates at random and take the cheaper, where
 *   cost = peakEwmaLatency × (inFlight + 1) / (weight × slowStart).
 * Peak EWMA jumps to a slow sample at once and decays with τ (`decayMs`), so a worker that
 * slows down is avoided within one response; failures and rate limits are charged as large
 * latencies. O(1) per pick and no allocation.
 */
export function p2cPeakEwma(options: P2cPeakEwmaOptions = {}): InspectableStrategy {
  const common = resolveCommon('p2cPeakEwma', options, 10_000);
  const table = statsTable('p2cPeakEwma', options, common);
  const unknownPenalty = options.unknownPenaltyMs ?? 10_000;

  const cost = (w: WorkerView, now: number): number => {
    const s = table.get(w.id);
    const pending = w.inFlight;
    let latency = s !== undefined && s.samples > 0 ? table.peakCost(s, now) : 0;
    if (latency === 0 && pending > 0) latency = unknownPenalty;
    const f = slowStartFactor(w, now, common.slowStartMs, common.slowStartMinFactor);
    // With no latency known yet (idle, unknown), pending alone still orders workers.
    return ((latency + 1) * (pending + 1)) / (f * effectiveWeight(w));
  };

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const i = randomIndex(common.random, n);
    let j = randomIndex(common.random, n - 1);
    if (j >= i) j++; // two distinct candidates, sampled without replacement
    const a = candidates[i]!;
    const b = candidates[j]!;
    const now = common.clock.now();
    return cost(b, now) < cost(a, now) ? b : a;
  };

  return {
    name: 'p2c-peak-ewma',
    events: STATS_EVENTS,
    select: (task, candidates) => constrained(task, candidates, pick),
    observe: (events$) => observeInto(table, events$),
    trackedWorkers: () => table.ids(),
  };
}
