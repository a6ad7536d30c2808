import type { BalancingStrategy, TaskRequirements, WorkerInfo } from './workerInfo.js';

/**
 * Round-robin on plain worker lists. The rotation remembers the last worker picked by id and
 * continues after it, so workers joining or leaving the list never shift it (an index modulo a
 * changing list would skip or repeat workers).
 */
export class RoundRobinStrategy implements BalancingStrategy {
  readonly name: string = 'round-robin';
  #order: string[] = [];
  #last: string | undefined;

  selectWorker(_task: TaskRequirements, workers: WorkerInfo[]): WorkerInfo | null {
    if (workers.length === 0) return null;
    // Keep a stable rotation order: known ids keep their place, new ids join at the end.
    const present = new Set(workers.map((w) => w.id));
    this.#order = this.#order.filter((id) => present.has(id) || id === this.#last);
    for (const w of workers) if (!this.#order.includes(w.id)) this.#order.push(w.id);
    const start = this.#last === undefined ? -1 : this.#order.indexOf(this.#last);
    for (let k = 1; k <= this.#order.length; k++) {
      const id = this.#order[(start + k) % this.#order.length]!;
      const w = workers.find((x) => x.id === id);
      if (w) {
        this.#last = id;
        this.#order = this.#order.filter((x) => present.has(x));
        return w;
      }
    }
    return null;
  }

  forgetWorker(workerId: string): void {
    this.#order = this.#order.filter((id) => id !== workerId);
  }
}
