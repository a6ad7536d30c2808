import { type BalancingStrategy, type TaskRequirements, utilization, type WorkerInfo } from './workerInfo.js';

/**
 * Least-loaded on plain worker lists: lowest currentLoad / maxCapacity (capacity 0
 * counts as full, never NaN); among equals, the one picked least recently, so repeated calls on
 * an unchanged list take turns instead of piling onto the first. Use `LoadBalancer#distribute`
 * to assign a batch: it counts each assignment before the next pick.
 */
export class LeastLoadedStrategy implements BalancingStrategy {
  readonly name: string = 'least-loaded';
  #lastPicked = new Map<string, number>();
  #tick = 0;

  selectWorker(_task: TaskRequirements, workers: WorkerInfo[]): WorkerInfo | null {
    let best: WorkerInfo | null = null;
    let bestLoad = Number.POSITIVE_INFINITY;
    let bestAge = Number.POSITIVE_INFINITY;
    for (const w of workers) {
      const load = utilization(w);
      const age = this.#lastPicked.get(w.id) ?? -1;
      if (best === null || load < bestLoad || (load === bestLoad && age < bestAge)) {
        best = w;
        bestLoad = load;
        bestAge = age;
      }
    }
    if (best) this.#lastPicked.set(best.id, ++this.#tick);
    // Bounded: forget workers that were not offered for a while.
    if (this.#lastPicked.size > 4 * workers.length + 64) {
      const present = new Set(workers.map((w) => w.id));
      for (const id of this.#lastPicked.keys()) if (!present.has(id)) this.#lastPicked.delete(id);
    }
    return best;
  }

  forgetWorker(workerId: string): void {
    this.#lastPicked.delete(workerId);
  }
}
