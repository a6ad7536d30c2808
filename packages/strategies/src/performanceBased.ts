import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import { InvalidStrategyOptionError } from './errors.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight, relativeLoad, slowStartFactor } from './slowStart.js';
import { type OutcomeCostOptions, observeInto, STATS_EVENTS, statsTable } from './statsOptions.js';

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

/**
 * The highest score wins, with score =
 *   0.35 success + 0.25 speed + 0.25 reliability + 0.15 free capacity (the default weights),
 * times weight × slow start. Success and reliability are EWMAs over recent outcomes, speed is
 * mean latency / (mean + this worker's EWMA latency) scaled to [0, 1], all windowed, not lifetime.
 * Ties rotate. One pass over the candidates.
 */
export function performanceBased(options: PerformanceBasedOptions = {}): PerformanceBasedHandle {
  const common = resolveCommon('performanceBased', options, 10_000);
  const table = statsTable('performanceBased', options, common);
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
  let start = 0;

  const refresh = (now: number): void => {
    if (now - meanAt >= 250) {
      meanLatency = table.meanLatency() ?? 0;
      meanAt = now;
    }
  };

  // One scratch record, reused by every pick: no allocation per candidate.
  const scratch: PerformanceScore = { success: 0, speed: 0, reliability: 0, capacity: 0, total: 0 };
  const fill = (w: WorkerView, now: number, out: PerformanceScore): number => {
    const s = table.get(w.id);
    const known = s !== undefined && s.samples > 0;
    // Unknown workers get a neutral prior (0.9 success, average speed) rather than a perfect one.
    out.success = known ? s.success : 0.9;
    out.speed = known && meanLatency > 0 ? meanLatency / (meanLatency + s.ewma) : 0.5;
    out.reliability = s?.reliability ?? 0.9;
    out.capacity = 1 - Math.min(1, relativeLoad(w.inFlight, w.capacity));
    const score =
      wt.success * out.success +
      wt.speed * out.speed +
      wt.reliability * out.reliability +
      wt.capacity * out.capacity;
    out.total =
      score * effectiveWeight(w) * slowStartFactor(w, now, common.slowStartMs, common.slowStartMinFactor);
    return out.total;
  };

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n === 0) return undefined;
    const now = common.clock.now();
    refresh(now);
    if (start >= n) start = 0;
    let best: WorkerView | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0, i = start; k < n; k++, i++) {
      if (i === n) i = 0;
      const w = candidates[i]!;
      const s = fill(w, now, scratch);
      if (s > bestScore || best === undefined) {
        bestScore = s;
        best = w;
      }
    }
    start++;
    return best;
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
