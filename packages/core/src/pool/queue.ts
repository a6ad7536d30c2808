/**
 * A priority queue, FIFO within a priority. Items live in one FIFO ring buffer per priority
 * level, and the levels present are kept in descending order, so push and pop are O(1) while
 * the number of distinct priorities stays small (the usual case), and O(log levels) to find a
 * new level's place otherwise. A sorted-array insert per item, as p-queue does, is O(n) and
 * is why its throughput falls as its queue grows.
 *
 * Removal is lazy: `isLive` tells the queue which items are still wanted, and dead ones are
 * dropped when they reach the head. `size` counts only live items, kept by the owner through
 * `markRemoved`.
 */
export class PriorityFifo<T> {
  readonly #levels: number[] = []; // descending
  readonly #buckets = new Map<number, Fifo<T>>();
  readonly #isLive: (item: T) => boolean;
  #size = 0;

  constructor(isLive: (item: T) => boolean) {
    this.#isLive = isLive;
  }

  get size(): number {
    return this.#size;
  }

  push(item: T, priority: number): void {
    let bucket = this.#buckets.get(priority);
    if (bucket === undefined) {
      bucket = new Fifo<T>();
      this.#buckets.set(priority, bucket);
      const levels = this.#levels;
      let lo = 0;
      let hi = levels.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (levels[mid]! > priority) lo = mid + 1;
        else hi = mid;
      }
      levels.splice(lo, 0, priority);
    }
    bucket.push(item);
    this.#size++;
  }

  /** The live item that `pop` would return, without removing it. */
  peek(): T | undefined {
    for (;;) {
      const level = this.#levels[0];
      if (level === undefined) return undefined;
      const bucket = this.#buckets.get(level)!;
      const head = bucket.peek();
      if (head === undefined) {
        this.#buckets.delete(level);
        this.#levels.shift();
        continue;
      }
      if (this.#isLive(head)) return head;
      bucket.shift();
    }
  }

  /** Remove and return the head (call after `peek` returned it). */
  pop(): T | undefined {
    const head = this.peek();
    if (head === undefined) return undefined;
    this.#buckets.get(this.#levels[0]!)!.shift();
    this.#size--;
    return head;
  }

  /** An item pushed earlier is no longer live; it will be skipped when it reaches the head. */
  markRemoved(): void {
    this.#size--;
  }
}

/** A FIFO on a growable ring buffer: O(1) push and shift, no array re-indexing. */
class Fifo<T> {
  #buf: (T | undefined)[] = new Array(16);
  #head = 0;
  #len = 0;

  peek(): T | undefined {
    return this.#len === 0 ? undefined : this.#buf[this.#head];
  }

  push(item: T): void {
    if (this.#len === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#len) & (this.#buf.length - 1)] = item;
    this.#len++;
  }

  shift(): T | undefined {
    if (this.#len === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#len--;
    return item;
  }

  #grow(): void {
    const old = this.#buf;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#len; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }
}
