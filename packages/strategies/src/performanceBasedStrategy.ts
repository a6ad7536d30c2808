import { DEFAULT_PERFORMANCE_WEIGHTS, type PerformanceWeights } from './performanceBased.js';
import {
  type BalancingContext,
  type BalancingStrategy,
  freeCapacity,
  reliabilityScore,
  speedScore,
  successRate,
  type TaskRequirements,
  type WorkerInfo,
} from './workerInfo.js';

/**
 * Performance scoring on plain worker lists, with the classic weights
 * 0.35 success rate + 0.25 speed + 0.25 reliability + 0.15 free capacity.
 * Success and speed come from outcomes taught through `updateContext` (recent EWMAs) and fall
 * back to the registry's metrics.
 */
export class PerformanceBasedStrategy implements BalancingStrategy {
  readonly name: string = 'performance-based';
  readonly #weights: PerformanceWeights;

  constructor(weights: Partial<PerformanceWeights> = {}) {
    this.#weights = { ...DEFAULT_PERFORMANCE_WEIGHTS, ...weights };
  }

  score(worker: WorkerInfo, workers: readonly WorkerInfo[], context?: BalancingContext): number {
    const w = this.#weights;
    return (
      w.success * successRate(worker, context) +
      w.speed * speedScore(worker, workers, context) +
      w.reliability * reliabilityScore(worker, context) +
      w.capacity * freeCapacity(worker)
    );
  }

  selectWorker(
    _task: TaskRequirements,
    workers: WorkerInfo[],
    context?: BalancingContext,
  ): WorkerInfo | null {
    let best: WorkerInfo | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const w of workers) {
      const s = this.score(w, workers, context);
      if (s > bestScore) {
        best = w;
        bestScore = s;
      }
    }
    return best;
  }
}
