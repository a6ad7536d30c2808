import type { KindCounters } from './metrics.js';
import { PriorityFifo } from './queue.js';
import { isQueued, QUEUED, type Task } from './task.js';

/** Tasks that share a kind and the same constraints wait in one lane. */
export interface Lane<R> {
  readonly key: string;
  readonly counters: KindCounters;
  readonly constrained: boolean;
  readonly queue: PriorityFifo<Task<R>>;
  /** Ready epoch at which this lane last found no candidate; skipped until the epoch moves… */
  blockedAt: number;
  /** …or until this clock time (a paced worker's next slot), whichever comes first. */
  blockedUntil: number;
  /** Position in the active list, -1 when empty. */
  activePos: number;
}

/**
 * The queue: one lane per kind and set of constraints, each a priority FIFO. Only lanes with
 * tasks are in `active`, which is what dispatch walks. A kind's plain lane is kept while empty
 * (a steady stream of tasks would otherwise rebuild it for each one); a constrained lane (its
 * key names capabilities, workers or a pace) is dropped when it empties.
 */
export class Lanes<R> {
  readonly active: Lane<R>[] = [];
  readonly #byKey = new Map<string, Lane<R>>();
  /** Queued tasks in all lanes. */
  size = 0;

  push(task: Task<R>): void {
    const lane = this.#laneFor(task);
    task.state = QUEUED;
    task.lane = lane;
    lane.queue.push(task, task.priority);
    if (lane.activePos < 0) {
      lane.activePos = this.active.length;
      this.active.push(lane);
    }
    this.size++;
    task.counters.queued++;
  }

  /** Take the head of `lane` (the task its `peek` returned). */
  shift(lane: Lane<R>): void {
    const task = lane.queue.pop()!;
    task.lane = undefined;
    this.#taken(lane, task);
  }

  /** Take a queued task out wherever it is (it is dropped lazily when it reaches its lane's head). */
  remove(task: Task<R>): void {
    const lane = task.lane!;
    lane.queue.markRemoved();
    task.lane = undefined;
    this.#taken(lane, task);
  }

  #taken(lane: Lane<R>, task: Task<R>): void {
    this.size--;
    task.counters.queued--;
    if (lane.queue.size > 0) return;
    if (lane.activePos >= 0) {
      const last = this.active.pop()!;
      if (last !== lane) {
        this.active[lane.activePos] = last;
        last.activePos = lane.activePos;
      }
      lane.activePos = -1;
    }
    if (lane.constrained) this.#byKey.delete(lane.key);
  }

  #laneFor(task: Task<R>): Lane<R> {
    let key = task.kind;
    const constrained = task.constrained;
    if (constrained) {
      const pace = task.spec.pace;
      key += `\u0000${task.requires.join('\u0001')}\u0000${task.antiAffinity.join('\u0001')}\u0000${task.pinned?.id ?? ''}\u0000${pace ? `${pace.key ?? task.kind}\u0001${pace.intervalMs}` : ''}`;
    }
    let lane = this.#byKey.get(key);
    if (lane === undefined) {
      lane = {
        key,
        counters: task.counters,
        constrained,
        queue: new PriorityFifo<Task<R>>(isQueued),
        blockedAt: -1,
        blockedUntil: Number.POSITIVE_INFINITY,
        activePos: -1,
      };
      this.#byKey.set(key, lane);
    }
    return lane;
  }
}
