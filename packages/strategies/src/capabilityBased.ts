import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight, relativeLoad } from './slowStart.js';

export interface CapabilityBasedOptions extends CommonStrategyOptions {
  /**
   * Count the task's `kind` as a wanted capability too (a worker advertising `scraping` is a
   * better match for a `scraping` task). Default true.
   */
  matchKind?: boolean;
}

/**
 * Best capability match first, then load:
 * 1. a worker with a free slot always beats an overloaded one (inFlight ≥ capacity);
 * 2. more of the task's `requires` (and its `kind`) matched;
 * 3. fewer capabilities the task does not need, keeping generalists free for tasks only they can run;
 * 4. lower relative load; ties rotate.
 * A task with no requirements still gets a worker. One pass over the candidates.
 *
 * Weight enters only the last step (load per unit of weight), so while the pool is idle every
 * load is 0 and weights are ignored: equal matches take turns. No slow start.
 */
export function capabilityBased(options: CapabilityBasedOptions = {}): InspectableStrategy {
  resolveCommon('capabilityBased', options, 0);
  const matchKind = options.matchKind ?? true;
  let start = 0;

  const pick = (task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n === 0) return undefined;
    if (start >= n) start = 0;
    const requires = task.requires;
    let best: WorkerView | undefined;
    let bestFree = false;
    let bestMatch = -1;
    let bestExtra = 0;
    let bestLoad = 0;
    for (let k = 0, i = start; k < n; k++, i++) {
      if (i === n) i = 0;
      const w = candidates[i]!;
      const caps = w.capabilities;
      const free = w.inFlight < w.capacity;
      let match = 0;
      for (let r = 0; r < requires.length; r++) if (caps.has(requires[r]!)) match++;
      if (matchKind && caps.has(task.kind)) match += 0.5;
      const extra = caps.size - match;
      const load = relativeLoad(w.inFlight, w.capacity) / effectiveWeight(w);
      const better =
        best === undefined ||
        (free !== bestFree
          ? free
          : match !== bestMatch
            ? match > bestMatch
            : extra !== bestExtra
              ? extra < bestExtra
              : load < bestLoad);
      if (better) {
        best = w;
        bestFree = free;
        bestMatch = match;
        bestExtra = extra;
        bestLoad = load;
      }
    }
    start++;
    return best;
  };

  return {
    name: 'capability-based',
    select: (task, candidates) => constrained(task, candidates, pick),
    trackedWorkers: () => [],
  };
}
