import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, positive, resolveCommon } from './options.js';
import { randomIndex } from './randomIndex.js';
import { effectiveWeight, slowStartFactor } from './slowStart.js';
import { type OutcomeCostOptions, observeInto, STATS_EVENTS, statsTable } from './statsOptions.js';

export interface WeightedResponseTimeOptions extends CommonStrategyOptions, OutcomeCostOptions {
  /**
   * Response time assumed for a worker with no sample yet while no worker has one. Once some
   * have, a worker without samples is priced at their mean. Default 100 ms.
   */
  defaultLatencyMs?: number;
  /**
   * Share ∝ 1 / costᵉ. 1 is classic weighted response time; 2 (default) pulls traffic away from a
   * slow worker much harder, which is what keeps tail latency down when one worker degrades.
   */
  exponent?: number;
  /** Rejection-sampling tries before one exact pass over the candidates. Default 16. */
  maxTries?: number;
}

/**
 * Weighted random choice with share ∝ weight × slowStart / (ewmaLatency / successRate)^exponent.
 * Failures are charged as penalty latencies and divide by the success EWMA, so a worker that
 * fails fast looks expensive, not fast. A worker with no samples is priced at the mean latency
 * of the workers that have samples (the default latency when none has), so on a cold start every
 * worker is probed and gets an average share until it reports, instead of the first fast answer
 * taking the traffic. Slow start ramps a new worker's share up, so it is not flooded either.
 *
 * The draw is rejection sampling against a running upper bound of the shares: O(1) expected
 * picks, one exact O(candidates) pass when unlucky (which also re-tightens the bound).
 */
export function weightedResponseTime(options: WeightedResponseTimeOptions = {}): InspectableStrategy {
  const common = resolveCommon('weightedResponseTime', options, 10_000);
  const table = statsTable('weightedResponseTime', options, common);
  const defaultLatency = options.defaultLatencyMs ?? 100;
  const exponent = options.exponent ?? 2;
  const maxTries = options.maxTries ?? 16;
  positive('weightedResponseTime', 'defaultLatencyMs', defaultLatency);
  positive('weightedResponseTime', 'exponent', exponent);
  let bound = 0;
  // The mean latency of known workers stands in for unknown ones; refreshed at most every 250 ms,
  // and at once when a worker reports its first sample, so workers not heard from yet are priced
  // as an average worker (a fair share) rather than at the default latency.
  let meanLatency = defaultLatency;
  let meanAt = Number.NEGATIVE_INFINITY;
  let meanKnown = -1;

  const share = (w: WorkerView, now: number): number => {
    const s = table.get(w.id);
    const known = s !== undefined && s.samples > 0;
    const latency = known ? Math.max(s.ewma, 1) : meanLatency;
    const cost = known ? latency / Math.max(s.success, 0.05) : latency;
    const f = slowStartFactor(w, now, common.slowStartMs, common.slowStartMinFactor);
    return (effectiveWeight(w) * f) / cost ** exponent;
  };

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const now = common.clock.now();
    if (now - meanAt >= 250 || table.known !== meanKnown) {
      meanLatency = Math.max(table.meanLatency() ?? defaultLatency, 1);
      meanAt = now;
      meanKnown = table.known;
    }
    for (let t = 0; t < maxTries; t++) {
      const w = candidates[randomIndex(common.random, n)]!;
      const s = share(w, now);
      if (s > bound) bound = s; // the bound only grows here; the exact pass below tightens it
      if (common.random() * bound < s) return w;
    }
    let total = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const s = share(candidates[i]!, now);
      total += s;
      if (s > max) max = s;
    }
    bound = max;
    let r = common.random() * total;
    for (let i = 0; i < n; i++) {
      const w = candidates[i]!;
      r -= share(w, now);
      if (r < 0) return w;
    }
    return candidates[n - 1];
  };

  return {
    name: 'weighted-response-time',
    events: STATS_EVENTS,
    select: (task, candidates) => constrained(task, candidates, pick),
    observe: (events$) => observeInto(table, events$),
    trackedWorkers: () => table.ids(),
  };
}
