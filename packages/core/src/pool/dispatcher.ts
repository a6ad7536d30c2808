import type { Logger } from 'pino';
import type { Strategy, WorkerView } from '../types.js';
import type { Lanes } from './lanes.js';
import type { KindCounters } from './metrics.js';
import { FilteredCandidates, type ReadyIndex } from './readyIndex.js';
import type { Scheduler, Wake } from './scheduler.js';
import type { Task, Worker } from './task.js';

/** What dispatch needs from its pool. */
export interface DispatchHost<R> {
  readonly lanes: Lanes<R>;
  readonly ready: ReadyIndex<Worker<R>>;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  now(): number;
  strategy(): Strategy;
  /** Whether dispatch may start tasks now (not paused, not closed). */
  canStart(): boolean;
  /** Start `task` on `w` (the task is already out of its lane). */
  start(task: Task<R>, w: Worker<R>): void;
  /** A kind's start rate holds its tasks back until `until`. */
  throttled(counters: KindCounters, until: number): void;
}

/**
 * Binds queued tasks to ready workers: the head task of the best lane (highest priority, then
 * oldest) is offered to the strategy with its candidates, and started on the worker it picks.
 * Re-entrant calls (a task's `run` submitting more work) fold into the loop that is running.
 * One wake-up timer re-runs dispatch when a paced worker or a kind's start rate frees up.
 */
export class Dispatcher<R> {
  readonly #host: DispatchHost<R>;
  readonly #filtered: FilteredCandidates<Worker<R>>;
  #running = false;
  #again = false;
  #wake: Wake | undefined;
  /** The earliest clock time a blocked lane or throttled kind asked to be woken, during one run. */
  #wakeWanted = Number.POSITIVE_INFINITY;

  constructor(host: DispatchHost<R>) {
    this.#host = host;
    this.#filtered = new FilteredCandidates(host.ready);
  }

  /** Start whatever can start now. */
  run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        this.#round();
      } while (this.#again);
    } finally {
      this.#running = false;
    }
    if (this.#wakeWanted !== Number.POSITIVE_INFINITY) this.#armWake();
  }

  /** Cancel the wake-up timer (on close). */
  stop(): void {
    this.#wake = this.#host.scheduler.cancel(this.#wake);
  }

  #round(): void {
    const host = this.#host;
    const ready = host.ready;
    const active = host.lanes.active;
    if (!host.canStart()) return;
    for (;;) {
      if (ready.length === 0 || host.lanes.size === 0) return;
      const now = host.now();
      let best: (typeof active)[number] | undefined;
      let head: Task<R> | undefined;
      for (let i = 0; i < active.length; i++) {
        const lane = active[i]!;
        // A lane that found no candidate waits until the ready set changes or its pace frees up
        // (the wake-up for that is asked for again: the one armed may be an earlier one).
        if (lane.blockedAt === ready.epoch && now < lane.blockedUntil) {
          if (lane.blockedUntil !== Number.POSITIVE_INFINITY) this.#wakeAt(lane.blockedUntil);
          continue;
        }
        const counters = lane.counters;
        if (counters.running >= counters.limit) continue;
        if (counters.rate !== undefined) {
          const wait = counters.rate.waitMs(now);
          if (wait > 0) {
            this.#wakeAt(now + wait);
            host.throttled(counters, now + wait);
            continue;
          }
        }
        const h = lane.queue.peek();
        if (h === undefined) continue;
        if (
          head === undefined ||
          h.priority > head.priority ||
          (h.priority === head.priority && h.seq < head.seq)
        ) {
          best = lane;
          head = h;
        }
      }
      if (best === undefined || head === undefined) return;
      let until = Number.POSITIVE_INFINITY;
      let candidates: ReadyIndex<Worker<R>> | FilteredCandidates<Worker<R>> = ready;
      if (best.constrained) {
        until = this.#filter(head, now);
        candidates = this.#filtered;
      }
      const w = candidates.length === 0 ? undefined : this.#select(head, candidates);
      if (w === undefined) {
        best.blockedAt = ready.epoch;
        best.blockedUntil = until;
        if (until !== Number.POSITIVE_INFINITY) this.#wakeAt(until);
        continue;
      }
      host.lanes.shift(best);
      host.start(head, w);
    }
  }

  /**
   * Fill the filtered list with the ready workers this constrained task may run on. Returns the
   * earliest time a paced worker that was left out frees up (Infinity if none).
   */
  #filter(task: Task<R>, now: number): number {
    const out = this.#filtered;
    out.reset();
    const pace = task.spec.pace;
    const paceKey = pace === undefined ? undefined : (pace.key ?? task.kind);
    const pinned = task.pinned;
    let until = Number.POSITIVE_INFINITY;
    const ready = this.#host.ready;
    for (let i = 0; i < ready.length; i++) {
      const w = ready[i]!;
      if (pinned !== undefined && w !== pinned) continue;
      if (!hasAll(w.capabilities, task.requires)) continue;
      if (task.antiAffinity.length > 0 && task.antiAffinity.includes(w.id)) continue;
      if (paceKey !== undefined) {
        const next = w.paceNext?.get(paceKey) ?? 0;
        if (next > now) {
          if (next < until) until = next;
          continue;
        }
      }
      out.include(w);
    }
    return until;
  }

  #select(
    task: Task<R>,
    candidates: ReadyIndex<Worker<R>> | FilteredCandidates<Worker<R>>,
  ): Worker<R> | undefined {
    const strategy = this.#host.strategy();
    let w: WorkerView | undefined;
    try {
      w = strategy.select(task, candidates);
    } catch (error) {
      this.#host.log.error(
        { err: error, strategy: strategy.name },
        'strategy.select threw; using the first candidate',
      );
      return candidates[0];
    }
    if (w === undefined) return undefined;
    if (!candidates.has(w)) {
      this.#host.log.warn(
        { strategy: strategy.name },
        'strategy returned a worker that is not a candidate; using the first candidate',
      );
      return candidates[0];
    }
    return w as Worker<R>;
  }

  /** Run dispatch again at `at`, keeping only the earliest wake-up. */
  #wakeAt(at: number): void {
    if (at < this.#wakeWanted) this.#wakeWanted = at;
  }

  #armWake(): void {
    const at = this.#wakeWanted;
    this.#wakeWanted = Number.POSITIVE_INFINITY;
    const scheduler = this.#host.scheduler;
    if (this.#wake !== undefined && this.#wake.at <= at) return;
    scheduler.cancel(this.#wake);
    this.#wake = scheduler.after(Math.max(0, at - this.#host.now()), () => {
      this.#wake = undefined;
      this.run();
    });
  }
}

function hasAll(set: ReadonlySet<string>, required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) if (!set.has(required[i]!)) return false;
  return true;
}
