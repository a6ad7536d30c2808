import type { Candidates, WorkerView } from '../types.js';

/** What the ready index keeps on each worker record: where it sits, and whose it is. */
export interface Indexed extends WorkerView {
  readonly owner: object;
  readyPos: number;
  mark: number;
}

/**
 * The workers of one pool that can start a task now, handed to strategies as it is. Add and
 * remove are O(1) (swap with the last); `has` is O(1) and answers only for this pool's workers,
 * so a strategy that returns another pool's worker is caught.
 */
export class ReadyIndex<W extends Indexed> extends Array<W> implements Candidates {
  // map/filter on a candidate list make plain arrays.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** Moves whenever a worker joins the index or the pool's offer changes; lanes that found no candidate wait for it. */
  epoch = 0;

  has(w: WorkerView): boolean {
    return (w as W).owner === this && (w as W).readyPos >= 0;
  }

  add(w: W): void {
    if (w.readyPos >= 0) return;
    w.readyPos = this.length;
    this.push(w);
    this.epoch++;
  }

  remove(w: W): void {
    if (w.readyPos < 0) return;
    const last = this.pop()!;
    if (last !== w) {
      this[w.readyPos] = last;
      last.readyPos = w.readyPos;
    }
    w.readyPos = -1;
  }
}

/** A per-task subset of the ready index (a task with constraints), rebuilt for each use. */
export class FilteredCandidates<W extends Indexed> extends Array<W> implements Candidates {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  readonly #owner: object;
  #stamp = 0;

  constructor(owner: object) {
    super();
    this.#owner = owner;
  }

  has(w: WorkerView): boolean {
    return (w as W).owner === this.#owner && (w as W).mark === this.#stamp;
  }

  /** Empty the list for a new task. */
  reset(): void {
    this.length = 0;
    this.#stamp++;
  }

  include(w: W): void {
    w.mark = this.#stamp;
    this.push(w);
  }
}
