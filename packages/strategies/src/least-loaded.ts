import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight, slowStartFactor } from './slow-start.js';

export type LeastLoadedOptions = CommonStrategyOptions;

/**
 * The candidate with the lowest relative load, `inFlight / (capacity × weight)`. It reads the
 * pool's live `inFlight`, which the pool raises at the moment of assignment, so a burst of
 * assignments spreads out instead of landing on one worker. Ties rotate: the scan starts one
 * place further each pick, so equally loaded workers take turns.
 *
 * A worker in slow start counts as carrying up to one extra task, so it is not flooded just
 * because it is empty. Capacity 0 counts as full (never NaN). One pass over the candidates.
 */
export function leastLoaded(options: LeastLoadedOptions = {}): InspectableStrategy {
  const common = resolveCommon('leastLoaded', options, 10_000);
  let start = 0;

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n === 0) return undefined;
    const now = common.slowStartMs > 0 ? common.clock.now() : 0;
    if (start >= n) start = 0;
    let best: WorkerView | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let k = 0, i = start; k < n; k++, i++) {
      if (i === n) i = 0;
      const w = candidates[i]!;
      const cap = w.capacity;
      let load: number;
      if (cap > 0) {
        const ramp =
          common.slowStartMs > 0
            ? 1 - slowStartFactor(w, now, common.slowStartMs, common.slowStartMinFactor)
            : 0;
        load = (w.inFlight + ramp) / (cap * effectiveWeight(w));
      } else load = Number.POSITIVE_INFINITY;
      if (load < bestLoad || best === undefined) {
        bestLoad = load;
        best = w;
        // Load 0 is the minimum: stop here; the rotating start makes idle workers take turns.
        if (load === 0) break;
      }
    }
    start++;
    return best;
  };

  return {
    name: 'least-loaded',
    select: (task, candidates) => constrained(task, candidates, pick),
    // Reads only live worker views: no per-worker state to keep or prune, and no events needed.
    trackedWorkers: () => [],
  };
}
