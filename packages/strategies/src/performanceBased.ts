import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import { InvalidStrategyOptionError } from './errors.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { relativeLoad } from './slowStart.js';
import { type OutcomeCostOptions, observeInto, STATS_EVENTS, statsTable } from './statsOptions.js';
import { weightedDraw } from './weightedDraw.js';
import type { WorkerStat } from './workerStats.js';

/** How much each factor counts. They are normalised to sum to 1. */
export interface PerformanceWeights {
  success: number;
  speed: number;
  reliability: number;
  capacity: number;
}

/** The default weights of the performance-based strategy: 0.35/0.25/0.25/0.15. */
export const DEFAULT_PERFORMANCE_WEIGHTS: Readonly<PerformanceWeights> = Object.freeze({
  success: 0.35,
  speed: 0.25,
  reliability: 0.25,
  capacity: 0.15,
});

export interface PerformanceBasedOptions extends CommonStrategyOptions, OutcomeCostOptions {
  weights?: Partial<PerformanceWeights>;
}

/** Score breakdown of one worker, each part in [0, 1]. */
export interface PerformanceScore {
  success: number;
  speed: number;
  reliability: number;
  capacity: number;
  total: number;
}

export interface PerformanceBasedHandle extends InspectableStrategy {
  /** The score a worker would get now (for dashboards and the facade's `scoreWorkers`). */
  score(worker: WorkerView): PerformanceScore;
}

/** Two scores within this relative distance count as equal. */
const TIE_BAND = 0.05;

/**
 * Power of two choices over a performance score: draw two distinct candidates with probability
 * ∝ weight × slow start, and take the one with the higher score, where score =
 *   0.35 success + 0.25 speed + 0.25 reliability + 0.15 free capacity (the default weights).
 * Success and reliability are EWMAs over recent outcomes, speed is
 * mean latency / (mean + this worker's EWMA latency), all in [0, 1] and windowed, not lifetime.
 * Scores within 5 % of each other count as equal; then the lower in-flight work per unit of
 * weight wins, and the first drawn when that ties too (an idle pool), so identical workers share
 * evenly and weights are proportions.
 *
 * It explores: what a worker's outcomes say fades toward a neutral prior (success 1,
 * reliability 1, the mean latency) with the age of its last sample (decay time `decayMs`). A worker that
 * was avoided for being slow or failing is therefore tried again after a while, and one that has
 * recovered wins back its share; a new worker starts at the prior, so it is drawn in proportion to
 * its weight and slow start and takes its fair share once slow start is over. O(1) expected per
 * pick (rejection sampling against a running bound of weight × slow start, one exact pass over
 * the candidates when unlucky).
 */
export function performanceBased(options: PerformanceBasedOptions = {}): PerformanceBasedHandle {
  const common = resolveCommon('performanceBased', options, 10_000);
  const table = statsTable('performanceBased', options, common);
  const tauMs = options.decayMs ?? 10_000;
  const raw = { ...DEFAULT_PERFORMANCE_WEIGHTS, ...options.weights };
  for (const [field, v] of Object.entries(raw)) {
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new InvalidStrategyOptionError(
        'performanceBased',
        `weights.${field}`,
        'must be a finite number >= 0',
      );
    }
  }
  const sum = raw.success + raw.speed + raw.reliability + raw.capacity;
  if (!(sum > 0)) throw new InvalidStrategyOptionError('performanceBased', 'weights', 'must not all be 0');
  const wt = {
    success: raw.success / sum,
    speed: raw.speed / sum,
    reliability: raw.reliability / sum,
    capacity: raw.capacity / sum,
  };
  let meanLatency = 0;
  let meanAt = Number.NEGATIVE_INFINITY;

  /** Confidence in a worker's outcomes: 1 right after a sample, fading with its age; 0 without samples. */
  const confidence = (s: WorkerStat | undefined, now: number): number =>
    s !== undefined && s.samples > 0 ? Math.exp(-Math.max(0, now - s.ewmaAt) / tauMs) : 0;

  // The mean latency, each worker counted by its confidence (so stale samples fade out of it too);
  // refreshed at most every 250 ms.
  const refresh = (now: number): void => {
    if (now - meanAt < 250) return;
    let sum = 0;
    let n = 0;
    for (const s of table.values()) {
      const c = confidence(s, now);
      sum += c * s.ewma;
      n += c;
    }
    meanLatency = n > 1e-9 ? sum / n : 0;
    meanAt = now;
  };

  const { mass, draw } = weightedDraw(common.random, common);

  // One scratch record, reused by every pick: no allocation per candidate.
  const scratch: PerformanceScore = { success: 0, speed: 0, reliability: 0, capacity: 0, total: 0 };
  /** The score (without weight and slow start, which the draw accounts for). */
  const fill = (w: WorkerView, now: number, out: PerformanceScore): number => {
    const s = table.get(w.id);
    const c = confidence(s, now);
    // The worker's latency fades toward the mean: an average worker scores speed 0.5.
    const latency = c * (s?.ewma ?? 0) + (1 - c) * meanLatency;
    out.success = c * (s?.success ?? 1) + (1 - c);
    out.speed = meanLatency > 0 ? meanLatency / (meanLatency + latency) : 0.5;
    out.reliability = c * (s?.reliability ?? 1) + (1 - c);
    out.capacity = 1 - Math.min(1, relativeLoad(w.inFlight, w.capacity));
    out.total =
      wt.success * out.success +
      wt.speed * out.speed +
      wt.reliability * out.reliability +
      wt.capacity * out.capacity;
    return out.total;
  };

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const now = common.clock.now();
    refresh(now);
    const i = draw(candidates, n, -1, now);
    const a = candidates[i]!;
    const sa = fill(a, now, scratch);
    const b = candidates[draw(candidates, n, i, now)]!;
    const sb = fill(b, now, scratch);
    if (sb > sa * (1 + TIE_BAND)) return b;
    if (sa > sb * (1 + TIE_BAND)) return a;
    // Equal scores: the lower in-flight work per unit of weight, then the first drawn.
    return b.inFlight / mass(b, now) < a.inFlight / mass(a, now) ? b : a;
  };

  return {
    name: 'performance-based',
    events: STATS_EVENTS,
    select: (task, candidates) => constrained(task, candidates, pick),
    observe: (events$) => observeInto(table, events$),
    trackedWorkers: () => table.ids(),
    score(w) {
      const now = common.clock.now();
      refresh(now);
      const out = { ...scratch };
      fill(w, now, out);
      return out;
    },
  };
}
