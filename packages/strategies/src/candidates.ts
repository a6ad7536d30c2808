import type { Candidates, TaskView, WorkerView } from '@switchyard/core';

/**
 * Wrap a list of workers as `Candidates` (O(1) `has`). For tests, the simulator, and
 * strategies that narrow the candidates (affinity). Costs one Set per call.
 */
export function candidatesOf<W extends WorkerView>(workers: readonly W[]): Candidates & readonly W[] {
  const set = new Set<WorkerView>(workers);
  const list = workers.slice() as W[] & { has(worker: WorkerView): boolean };
  Object.defineProperty(list, 'has', {
    value: (w: WorkerView) => set.has(w),
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return list;
}

/**
 * The candidates the task prefers (soft affinity), or undefined when it has no affinity or none
 * of its preferred workers is a candidate. O(candidates), paid only by tasks with affinity.
 */
export function affinityCandidates(task: TaskView, candidates: Candidates): Candidates | undefined {
  const affinity = task.affinity;
  if (affinity.length === 0) return undefined;
  const preferred: WorkerView[] = [];
  for (const w of candidates)
    if (affinity.includes(w.id) && !task.antiAffinity.includes(w.id)) preferred.push(w);
  return preferred.length > 0 ? candidatesOf(preferred) : undefined;
}

/** Candidates minus the task's anti-affinity (a hard rule). Returns the same object when nothing is excluded. */
export function withoutAntiAffinity(task: TaskView, candidates: Candidates): Candidates {
  const anti = task.antiAffinity;
  if (anti.length === 0) return candidates;
  let excluded = false;
  for (const w of candidates) {
    if (anti.includes(w.id)) {
      excluded = true;
      break;
    }
  }
  if (!excluded) return candidates;
  return candidatesOf(candidates.filter((w) => !anti.includes(w.id)));
}

/**
 * Apply the cross-cutting rules around a strategy's own pick: anti-affinity is hard (the pool
 * already filters it, but a strategy used on its own must hold to it too), affinity is soft
 * (prefer those candidates when any is ready). The common case (no affinity lists) allocates nothing.
 */
export function constrained(
  task: TaskView,
  candidates: Candidates,
  pick: (task: TaskView, candidates: Candidates) => WorkerView | undefined,
): WorkerView | undefined {
  if (task.affinity.length === 0 && task.antiAffinity.length === 0) return pick(task, candidates);
  const allowed = withoutAntiAffinity(task, candidates);
  if (allowed.length === 0) return undefined;
  const preferred = affinityCandidates(task, allowed);
  return pick(task, preferred ?? allowed);
}
