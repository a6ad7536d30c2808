import type { LoadEvent } from '@switchyard/core';

/**
 * When each worker's oldest unfinished task started. A worker that stops answering shows it
 * here long before its first slow response updates any latency average: after a few normal
 * latencies with nothing back, its oldest task's age already exceeds them. Memory is bounded by
 * the tasks in flight; a removed worker is forgotten.
 */
export class OutstandingTracker {
  readonly #byWorker = new Map<string, { tasks: Map<number, number>; oldest: number }>();

  handle(e: LoadEvent): void {
    switch (e.type) {
      case 'task-assigned': {
        let w = this.#byWorker.get(e.worker);
        if (w === undefined) {
          w = { tasks: new Map(), oldest: e.at };
          this.#byWorker.set(e.worker, w);
        }
        if (w.tasks.size === 0) w.oldest = e.at;
        w.tasks.set(e.task, e.at);
        return;
      }
      case 'task-succeeded':
      case 'task-failed':
        this.#finish(e.worker, e.task);
        return;
      case 'task-cancelled':
        if (e.worker !== undefined) this.#finish(e.worker, e.task);
        return;
      case 'worker-removed':
        this.#byWorker.delete(e.worker);
        return;
      default:
        return;
    }
  }

  /** Age in ms of the worker's oldest unfinished task, 0 when it has none. No allocation. */
  oldestAge(worker: string, now: number): number {
    const w = this.#byWorker.get(worker);
    return w === undefined || w.tasks.size === 0 ? 0 : now - w.oldest;
  }

  ids(): string[] {
    return [...this.#byWorker.keys()];
  }

  #finish(worker: string, task: number): void {
    const w = this.#byWorker.get(worker);
    if (w === undefined) return;
    const at = w.tasks.get(task);
    if (at === undefined) return;
    w.tasks.delete(task);
    if (w.tasks.size === 0) {
      this.#byWorker.delete(worker);
      return;
    }
    if (at === w.oldest) {
      // Map keeps insertion order, which is start order: the first entry is the oldest left.
      for (const start of w.tasks.values()) {
        w.oldest = start;
        break;
      }
    }
  }
}

/** The event types an `OutstandingTracker` reads. */
export const OUTSTANDING_EVENTS = [
  'task-assigned',
  'task-succeeded',
  'task-failed',
  'task-cancelled',
  'worker-removed',
] as const;
