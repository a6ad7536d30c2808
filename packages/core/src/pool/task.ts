import type { RetryOptions, TaskSpec, TaskView } from '../types.js';
import type { WorkerRecord } from '../worker/record.js';
import type { PriorityFifo } from './queue.js';
import type { TokenBucket } from './tokenBucket.js';

export const QUEUED = 0;
export const WAITING = 1;
export const RUNNING = 2;
export const DONE = 3;
export type TaskStateCode = typeof QUEUED | typeof WAITING | typeof RUNNING | typeof DONE;

type Worker<R> = WorkerRecord<R, Task<R>>;

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
  timer: unknown;
  attemptTimer: unknown;
  deadline: unknown;
  controller: AbortController | undefined;
  prevPending: Task<R> | undefined;
  nextPending: Task<R> | undefined;
  readonly spec: TaskSpec<R, unknown>;
  readonly retry: RetryOptions;
  readonly counters: KindCounters;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;

  constructor(
    id: number,
    spec: TaskSpec<R, unknown>,
    retry: RetryOptions,
    counters: KindCounters,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.id = id;
    this.counters = counters;
    this.seq = id;
    this.spec = spec;
    this.kind = spec.kind ?? 'other';
    this.priority = spec.priority ?? 0;
    this.requires = spec.requires ?? EMPTY;
    this.key = spec.key;
    this.affinity = spec.affinity ?? EMPTY;
    this.antiAffinity = spec.antiAffinity ?? EMPTY;
    this.retry = retry;
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

/** Counts for one task kind, and its concurrency limit (Infinity when none). */
export interface KindCounters {
  readonly limit: number;
  /** The kind's token bucket, if it has a rate. */
  readonly bucket: TokenBucket | undefined;
  running: number;
  queued: number;
  completed: number;
  failed: number;
}

/** Tasks that share a kind and the same constraints wait in one lane. */
export interface Lane<R> {
  readonly key: string;
  readonly kind: string;
  readonly counters: KindCounters;
  readonly constrained: boolean;
  readonly queue: PriorityFifo<Task<R>>;
  /** Ready epoch at which this lane last found no candidate; skipped until the epoch moves. */
  blockedAt: number;
  activePos: number;
}

export const isQueued = (t: { readonly state: TaskStateCode }) => t.state === QUEUED;
