import {
  type BalancingContext,
  type BalancingStrategy,
  capabilityMatch,
  hasCapability,
  type TaskRequirements,
  utilization,
  type WorkerInfo,
} from './workerInfo.js';

/**
 * Capability matching on plain worker lists: the best capability match first (with
 * the task type and the worker's history as tie-breaks toward specialists), then the lower
 * load. A worker with no free slot never goes ahead of a free one.
 */
export class CapabilityBasedStrategy implements BalancingStrategy {
  readonly name: string = 'capability-based';

  selectWorker(task: TaskRequirements, workers: WorkerInfo[], context?: BalancingContext): WorkerInfo | null {
    let best: WorkerInfo | null = null;
    let bestKey: [number, number, number, number] = [0, 0, 0, 0];
    for (const w of workers) {
      const free = w.currentLoad < w.maxCapacity ? 1 : 0;
      let match = capabilityMatch(w, task);
      if (task.taskType !== undefined && hasCapability(w, task.taskType)) match += 0.5;
      const history = task.taskType ? (context?.taskHistory.get(w.id) ?? []) : [];
      const familiarity =
        history.length > 0 ? history.filter((t) => t === task.taskType).length / history.length : 0;
      const key: [number, number, number, number] = [free, match, familiarity, -utilization(w)];
      if (best === null || greater(key, bestKey)) {
        best = w;
        bestKey = key;
      }
    }
    return best;
  }
}

function greater(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}
