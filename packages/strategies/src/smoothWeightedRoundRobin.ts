import type { Candidates, LoadEvent, TaskView, WorkerView } from '@switchyard/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight, slowStartFactor } from './slowStart.js';

export type SmoothWeightedRoundRobinOptions = CommonStrategyOptions;

/**
 * Smooth weighted round robin, as nginx and gRPC's weighted round robin do it: deterministic
 * (no random draw), and even in short bursts. Each pick adds every candidate's weight (× slow
 * start) to its running credit, takes the candidate with the most credit, and takes the sum of
 * the weights off the winner. Over any window, a worker's picks stay within one of its exact
 * share; weights 5:1:1 give `a a b a c a a`, not `a a a a a b c`.
 *
 * Load and latency are ignored: use it when the weights already say what each worker can take.
 * Slow start is off unless `slowStartMs` is set. One pass over the candidates per pick; credit
 * is kept per worker and dropped on `worker-removed` (or, without events, for workers not
 * offered for a while).
 */
export function smoothWeightedRoundRobin(options: SmoothWeightedRoundRobinOptions = {}): InspectableStrategy {
  const common = resolveCommon('smoothWeightedRoundRobin', options, 0);
  const credit = new Map<string, number>();
  let observed = false;

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const now = common.slowStartMs > 0 ? common.clock.now() : 0;
    let total = 0;
    let best: WorkerView | undefined;
    let bestCredit = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const w = candidates[i]!;
      const weight =
        effectiveWeight(w) *
        (common.slowStartMs > 0 ? slowStartFactor(w, now, common.slowStartMs, common.slowStartMinFactor) : 1);
      const c = (credit.get(w.id) ?? 0) + weight;
      credit.set(w.id, c);
      total += weight;
      if (c > bestCredit) {
        bestCredit = c;
        best = w;
      }
    }
    credit.set(best!.id, bestCredit - total);
    // Without events nothing says a worker left: forget credit of workers no longer offered.
    if (!observed && credit.size > 4 * n + 64) {
      const present = new Set<string>();
      for (let i = 0; i < n; i++) present.add(candidates[i]!.id);
      for (const id of credit.keys()) if (!present.has(id)) credit.delete(id);
    }
    return best;
  };

  return {
    name: 'smooth-weighted-round-robin',
    events: ['worker-removed'],
    select: (task, candidates) => constrained(task, candidates, pick),
    observe(events$: Observable<LoadEvent>): Unsubscribable {
      observed = true;
      const sub = events$.subscribe((e) => {
        if (e.type === 'worker-removed') credit.delete(e.worker);
      });
      return {
        unsubscribe: () => {
          sub.unsubscribe();
          observed = false;
        },
      };
    },
    trackedWorkers: () => [...credit.keys()],
  };
}
