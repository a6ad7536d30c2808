import type { RetryOptions, TaskSpec, TaskView } from '../types.js';
import type { WorkerRecord } from '../worker/record.js';
import type { Lane } from './lanes.js';
import type { KindCounters } from './metrics.js';
import type { Wake } from './scheduler.js';

export const QUEUED = 0;
export const WAITING = 1;
export const RUNNING = 2;
export const DONE = 3;
export type TaskStateCode = typeof QUEUED | typeof WAITING | typeof RUNNING | typeof DONE;

export type Worker<R> = WorkerRecord<R, Task<R>>;

/** One submitted task (the pool's record of it); it is also the TaskView strategies see. */
export class Task<R> implements TaskView {
  readonly id: number;
  seq: number;
  readonly kind: string;
  readonly priority: number;
  readonly requires: readonly string[];
  readonly key: string | undefined;
  readonly affinity: readonly string[];
  readonly antiAffinity: readonly string[];
  attempt = 1;
  state: TaskStateCode = QUEUED;
  lane: Lane<R> | undefined;
  worker: Worker<R> | undefined;
  pinned: Worker<R> | undefined;
  startedAt = 0;
  runToken = 0;
  retriesUsed = 0;
  rateLimitWaitMs = 0;
  /** A retry delay or task-scoped rate limit being waited out. */
  timer: Wake | undefined;
  attemptTimer: Wake | undefined;
  deadline: Wake | undefined;
  controller: AbortController | undefined;
  /** Neighbours in its worker's list of running tasks. */
  prevRun: Task<R> | undefined;
  nextRun: Task<R> | undefined;
  prevPending: Task<R> | undefined;
  nextPending: Task<R> | undefined;
  readonly spec: TaskSpec<R, unknown>;
  readonly retry: RetryOptions;
  readonly attemptTimeoutMs: number | undefined;
  readonly counters: KindCounters;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;

  constructor(
    id: number,
    spec: TaskSpec<R, unknown>,
    retry: RetryOptions,
    attemptTimeoutMs: number | undefined,
    counters: KindCounters,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.id = id;
    this.counters = counters;
    this.seq = id;
    this.spec = spec;
    this.kind = counters.kind;
    this.priority = spec.priority ?? 0;
    this.requires = spec.requires ?? EMPTY;
    this.key = spec.key;
    this.affinity = spec.affinity ?? EMPTY;
    this.antiAffinity = spec.antiAffinity ?? EMPTY;
    this.retry = retry;
    this.attemptTimeoutMs = attemptTimeoutMs;
    this.resolve = resolve;
    this.reject = reject;
  }

  get constrained(): boolean {
    return (
      this.requires.length > 0 ||
      this.antiAffinity.length > 0 ||
      this.pinned !== undefined ||
      this.spec.pace !== undefined
    );
  }
}

const EMPTY: readonly string[] = Object.freeze([]);

export const isQueued = (t: { readonly state: TaskStateCode }) => t.state === QUEUED;
