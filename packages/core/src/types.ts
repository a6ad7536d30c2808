import type { Observable, Unsubscribable } from 'rxjs';

/** Top-level state of a worker actor. `disconnected` has the substates `reconnecting` and `dead`. */
export type WorkerState = 'connected' | 'busy' | 'backoff' | 'disconnected';

/**
 * Why an operation failed, as decided by the pool's `classify` function. Any variant may carry
 * a `code` (e.g. `FLOOD_WAIT`), reported in `task-failed` events; without one, the error's own
 * string `code` property is used.
 */
export type Failure = FailureVariant & { readonly code?: string };

type FailureVariant =
  /** Retry with exponential backoff, possibly on another worker. */
  | { readonly kind: 'transient' }
  /**
   * The worker (scope `'worker'`, the default) goes to `backoff` for exactly `retryAfterMs`
   * and the task is requeued without spending an attempt. With scope `'task'` only this task
   * waits `retryAfterMs` (for example a per-chat slow mode); the worker keeps working.
   */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number; readonly scope?: 'worker' | 'task' }
  /** Fail the task now; never retry. The original error is the rejection's `cause`. */
  | { readonly kind: 'permanent' }
  /** The worker is dead (`disconnected.dead`); the task moves to another worker. */
  | { readonly kind: 'worker-fatal' }
  /** The effect may have happened: retry only if the task is idempotent, and then on the same worker. */
  | { readonly kind: 'unknown-outcome' };

export type FailureKind = Failure['kind'];

/** Injected time. Everything the pool waits for goes through this, so tests run on virtual time. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Injected randomness in [0, 1), so strategies and jitter replay exactly under a seed. */
export type Random = () => number;

/**
 * What a strategy sees of a worker. The pool hands strategies its live worker records:
 * read them during `select`, do not keep them beyond the worker's removal.
 */
export interface WorkerView {
  readonly id: string;
  readonly state: WorkerState;
  /** Tasks running on this worker now. */
  readonly inFlight: number;
  /** How many tasks may run at once (≥ 1). */
  readonly capacity: number;
  readonly capabilities: ReadonlySet<string>;
  /** Relative weight for weighted strategies (default 1). */
  readonly weight: number;
  /** Clock time when the worker was added. */
  readonly addedAt: number;
  /** Clock time when the worker last became able to take work (added, back from backoff or reconnected). Slow start counts from here. */
  readonly readySince: number;
}

/**
 * The candidates handed to `Strategy#select`: ready workers that satisfy the task's
 * `requires` and `antiAffinity` and any per-worker pacing. It is only valid during the call.
 * `has(worker)` answers membership in O(1), so a strategy can walk its own structures
 * (a ring, a heap) and skip workers that are not candidates without scanning the list.
 */
export interface Candidates extends ReadonlyArray<WorkerView> {
  has(worker: WorkerView): boolean;
}

/** What a strategy sees of a task. */
export interface TaskView {
  readonly id: number;
  readonly kind: string;
  readonly priority: number;
  readonly requires: readonly string[];
  /** Key for consistent hashing / stickiness. */
  readonly key: string | undefined;
  /** Soft preference: worker ids to prefer when they are candidates. */
  readonly affinity: readonly string[];
  /** Hard rule: worker ids that must never run this task (already removed from the candidates). */
  readonly antiAffinity: readonly string[];
  /** 1 for the first run, 2 for the first retry, … */
  readonly attempt: number;
}

/** A pluggable balancing strategy. */
export interface Strategy {
  readonly name: string;
  /**
   * Pick one of the candidates, or undefined to leave the task queued (it will be offered
   * again when a worker becomes ready). Called only with at least one candidate.
   */
  select(task: TaskView, candidates: Candidates): WorkerView | undefined;
  /**
   * The event types `observe` needs. The pool does not even build the others for this
   * strategy, which keeps the hot path cheap. Default: every type.
   */
  readonly events?: readonly LoadEventType[];
  /** Called once when the pool is created (or the strategy is set); the pool unsubscribes on `close()`. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a plugin's observe may simply return nothing
  observe?(events$: Observable<LoadEvent>): Unsubscribable | undefined | void;
}

/** Fields every load event has. */
export interface LoadEventBase {
  /** Clock time of the event. */
  readonly at: number;
}

export type LoadEvent =
  | (LoadEventBase & {
      readonly type: 'worker-added';
      readonly worker: string;
      readonly capacity: number;
      readonly capabilities: readonly string[];
      readonly weight: number;
    })
  | (LoadEventBase & { readonly type: 'worker-removed'; readonly worker: string })
  /** `updateWorker` changed its capabilities, weight or capacity (the new values). */
  | (LoadEventBase & {
      readonly type: 'worker-updated';
      readonly worker: string;
      readonly capacity: number;
      readonly capabilities: readonly string[];
      readonly weight: number;
    })
  | (LoadEventBase & {
      readonly type: 'worker-state';
      readonly worker: string;
      readonly from: WorkerState;
      readonly to: WorkerState;
      /** e.g. 'capacity', 'slot-freed', 'rate-limited', 'backoff-elapsed', 'connection-lost', 'reconnected', 'worker-fatal', 'dead' */
      readonly reason: string;
      /** For `backoff`: how long, in ms. */
      readonly backoffMs?: number;
    })
  | (LoadEventBase & {
      readonly type: 'task-queued';
      readonly task: number;
      readonly kind: string;
      readonly priority: number;
      readonly attempt: number;
    })
  | (LoadEventBase & {
      readonly type: 'task-assigned';
      readonly task: number;
      readonly kind: string;
      readonly worker: string;
      readonly attempt: number;
    })
  | (LoadEventBase & {
      readonly type: 'task-succeeded';
      readonly task: number;
      readonly kind: string;
      readonly worker: string;
      readonly attempt: number;
      /** Run time in ms on the injected clock. */
      readonly latencyMs: number;
    })
  | (LoadEventBase & {
      readonly type: 'task-failed';
      readonly task: number;
      readonly kind: string;
      readonly worker: string;
      readonly attempt: number;
      readonly latencyMs: number;
      readonly failure: FailureKind;
      /** For rate-limited failures. */
      readonly retryAfterMs?: number;
      /** Whether the task will run again. */
      readonly willRetry: boolean;
      /** The failure's code: the one `classify` gave, or the error's own string `code`. */
      readonly code?: string;
    })
  | (LoadEventBase & {
      readonly type: 'task-cancelled';
      readonly task: number;
      readonly kind: string;
      /** The worker it was running on, if it was running. */
      readonly worker?: string;
      /** `aborted`: its signal or `cancelWorkerTasks`; `timeout`: its `timeoutMs`; `cleared`: `pool.clear()`; `closed`: the pool closed. */
      readonly reason: 'aborted' | 'timeout' | 'cleared' | 'closed';
    })
  /** A kind's start rate (`rates`) holds its queued tasks back until `until`. */
  | (LoadEventBase & { readonly type: 'kind-throttled'; readonly kind: string; readonly until: number })
  /**
   * A worker reached its ejection's failure count but was not ejected: `ejected` workers are
   * already out, and `maxEjected` (from `maxEjectionPercent`) may be at once.
   */
  | (LoadEventBase & {
      readonly type: 'ejection-refused';
      readonly worker: string;
      readonly ejected: number;
      readonly maxEjected: number;
    })
  /**
   * Panic mode started (`active`) or ended: `healthy` of `workers` (those neither dead nor being
   * removed) were ready or busy and not ejected. In panic mode ejected workers take tasks too.
   */
  | (LoadEventBase & {
      readonly type: 'panic-mode';
      readonly active: boolean;
      readonly healthy: number;
      readonly workers: number;
    });

export type LoadEventType = LoadEvent['type'];

/** What `run` receives. */
export interface RunContext<R> {
  readonly worker: string;
  readonly resource: R;
  /**
   * Aborted when the task is cancelled, times out, or the pool closes without draining. Read
   * for the first time after the attempt has ended, it is already aborted.
   */
  readonly signal: AbortSignal;
  /** 1 for the first run. Rate-limited requeues do not count. */
  readonly attempt: number;
  /** The task's id (stable across attempts). */
  readonly taskId: number;
}

/** A unit of work for `pool.submit`. */
export interface TaskSpec<R, T> {
  run(ctx: RunContext<R>): Promise<T> | T;
  /** Operation kind, for per-kind limits, rates and metrics (1–64 characters). Default `'other'`. */
  kind?: string;
  /** Capabilities a worker must all have. */
  requires?: readonly string[];
  /** Higher runs first; FIFO within a priority. A whole number from −1,000,000 to 1,000,000. Default 0. */
  priority?: number;
  /** Key for consistent hashing and per-key holds. */
  key?: string;
  /** Worker ids to prefer (soft). */
  affinity?: readonly string[];
  /** Worker ids that must never run this task (hard). */
  antiAffinity?: readonly string[];
  /**
   * Run only on this worker: the one where an earlier attempt, whose outcome is unknown, may
   * have taken effect (a resumed durable batch retries it there, with the same idempotency key).
   * When that worker is absent, dead, or goes before the task runs, or lacks (or loses) a
   * capability the task `requires`, the task fails with `unknown-outcome` instead of running
   * elsewhere or waiting for the capability to come back.
   */
  pinnedTo?: string;
  /** Cancels the task wherever it is: queued, running, or waiting to retry. */
  signal?: AbortSignal;
  /** Budget for the whole task from submission, on the injected clock. Expiry rejects with `TaskTimeoutError`. */
  timeoutMs?: number;
  /**
   * Budget for one run. Expiry aborts the run's signal and is classified like any error
   * (`AttemptTimeoutError`). Default: the pool's `attemptTimeoutMs`, if set.
   */
  attemptTimeoutMs?: number;
  /** Whether running twice is harmless. `unknown-outcome` failures are retried (on the same worker) only when true. */
  idempotent?: boolean;
  /**
   * Per-worker pacing: two tasks with the same pace key start on the same worker at least
   * `intervalMs` apart. Only workers that are free now are offered to the strategy.
   */
  pace?: { readonly key?: string; readonly intervalMs: number };
  /** Override the pool's retry options for this task. */
  retry?: Partial<RetryOptions>;
}

/** Exponential backoff for transient failures, with p-retry's option names and formula. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  retries: number;
  /** Default 1000. */
  minTimeoutMs: number;
  /** Default 30000. */
  maxTimeoutMs: number;
  /** Default 2. */
  factor: number;
  /** Multiply each delay by a random factor in [1, 2). Default true. */
  randomize: boolean;
  /** Cap on the total time a task may spend waiting out rate limits. Default 15 minutes. */
  maxRateLimitWaitMs: number;
}

export interface WorkerSpec<R> {
  id: string;
  resource: R;
  /** Concurrent tasks: a whole number from 1 to 1,000,000. Default 1. */
  capacity?: number;
  capabilities?: readonly string[];
  /** Default 1. */
  weight?: number;
}

export interface WorkerStats {
  readonly completed: number;
  readonly failed: number;
  /** EWMA of run latency in ms (0 before the first completion). */
  readonly ewmaLatencyMs: number;
  /** Successes / (successes + failures) over the recent window (EWMA), 1 before any outcome. */
  readonly successRate: number;
  readonly rateLimited: number;
}

export interface WorkerSnapshot {
  readonly id: string;
  readonly state: WorkerState;
  /** `reconnecting` or `dead` while disconnected. */
  readonly substate?: 'reconnecting' | 'dead';
  readonly inFlight: number;
  readonly capacity: number;
  readonly capabilities: readonly string[];
  readonly weight: number;
  /** While in backoff: clock time when it ends. */
  readonly backoffUntil?: number;
  /** While ejected as an outlier: clock time the ejection ends (in panic mode it takes tasks meanwhile). */
  readonly ejectedUntil?: number;
  /**
   * Per pace key (a task's `pace.key`, or its kind) whose interval has not run out yet: the
   * clock time the next such task may start on this worker. Absent when none is waiting.
   */
  readonly pacedUntil?: Readonly<Record<string, number>>;
  readonly removing: boolean;
  readonly stats: WorkerStats;
}

export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface PoolSnapshot {
  readonly workers: readonly WorkerSnapshot[];
  /** Tasks waiting: in the queue, or for a retry or hold timer. */
  readonly queued: number;
  readonly inFlight: number;
  /** Tasks running now: which, where, and since when. */
  readonly running: readonly RunningTask[];
  /** Kinds whose start rate (`rates`) holds queued tasks back now, and until when. */
  readonly throttled: readonly { readonly kind: string; readonly until: number }[];
  /** Whether `pause()` is in force. */
  readonly paused: boolean;
  readonly metrics: {
    /** Tasks running now by kind. Each `…ByKind` record has a key for every kind seen (null prototype). */
    readonly inFlightByKind: Readonly<Record<string, number>>;
    readonly queuedByKind: Readonly<Record<string, number>>;
    readonly completedByKind: Readonly<Record<string, number>>;
    readonly failedByKind: Readonly<Record<string, number>>;
    readonly submitted: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly cancelled: number;
    readonly retries: number;
    readonly rateLimited: number;
    /** Over the recent window of completed runs. */
    readonly latency: LatencyPercentiles;
  };
  /** Outlier ejection now. */
  readonly ejection: EjectionSnapshot;
  readonly closed: boolean;
}

/** Outlier ejection in `snapshot()`: how many are out, the cap, and panic mode. */
export interface EjectionSnapshot {
  /** Whether panic mode is on: too few workers are healthy, so ejected workers take tasks too. */
  readonly panic: boolean;
  /** Workers ejected now (in panic mode they still count as ejected). */
  readonly ejected: number;
  /** Most workers that may be ejected at once now (`maxEjectionPercent`); 0 when ejection is off. */
  readonly maxEjected: number;
  /** Workers ready or busy and not ejected. */
  readonly healthy: number;
  /** Workers the shares are taken over: those neither dead nor being removed. */
  readonly workers: number;
}

/** How an adapter reports a worker's connection. */
export type ConnectionReport = 'connected' | 'disconnected' | 'dead';

/** Options of `pool.process`. */
export interface ProcessOptions {
  /**
   * Most tasks of this call that may be unsettled (queued, running or waiting to retry) before
   * the source is read further. A whole number from 1 to 1,000,000. Default 1000.
   *
   * An `Observable` cannot be asked to wait: what it emits beyond the mark waits in a buffer, so
   * give an `AsyncIterable` for a source too large for memory.
   */
  readonly highWaterMark?: number;
}

/** The outcome of one task of `pool.process`, like an entry of `Promise.allSettled`. */
export type ProcessOutcome<T> =
  | {
      /** The task's position in the source, from 0. */
      readonly index: number;
      readonly status: 'fulfilled';
      readonly value: T;
    }
  | { readonly index: number; readonly status: 'rejected'; readonly reason: unknown };

export interface CloseOptions {
  /** true (default): let queued and running tasks finish. false: cancel queued tasks and abort running ones. */
  drain?: boolean | undefined;
  /** With drain, abort whatever is still running after this long. */
  timeoutMs?: number | undefined;
}

export interface WorkerUpdate {
  capabilities?: readonly string[];
  weight?: number;
  capacity?: number;
}

/** One running task, as `snapshot().running` and `pool.runningTasks()` list it. */
export interface RunningTask {
  readonly task: number;
  readonly kind: string;
  readonly worker: string;
  readonly attempt: number;
  readonly priority: number;
  /** Clock time the current run started. */
  readonly since: number;
}

export interface Pool<R> {
  addWorker(spec: WorkerSpec<R>): void;
  /** Stops giving it work, waits for its in-flight tasks (which keep their results), then removes it. */
  removeWorker(id: string): Promise<void>;
  submit<T>(task: TaskSpec<R, T>): Promise<T>;
  /**
   * Run a stream of tasks of any length. The source (an `AsyncIterable`, an `Iterable` or an
   * `Observable` of task specs) is read only while fewer than `highWaterMark` of this call's
   * tasks are unsettled, so an iterable source runs in flat memory. Cold: nothing is read until
   * the result is subscribed. One outcome per task, in the order tasks settle; it completes when
   * the source has ended and every task has settled. Unsubscribing stops reading and cancels the
   * tasks not settled yet. A source that throws stops the reading; the tasks already submitted
   * settle, then the result errors with the source's error.
   */
  process<T>(
    source: AsyncIterable<TaskSpec<R, T>> | Iterable<TaskSpec<R, T>> | Observable<TaskSpec<R, T>>,
    options?: ProcessOptions,
  ): Observable<ProcessOutcome<T>>;
  /** One hot stream of every load event; completes on `close()`. */
  readonly events$: Observable<LoadEvent>;
  snapshot(): PoolSnapshot;
  close(options?: CloseOptions): Promise<void>;
  /**
   * For adapters: report a worker's connection. `'disconnected'` moves it to
   * `disconnected.reconnecting` (no new work; running work may still finish), `'connected'`
   * brings it back, `'dead'` moves it to `disconnected.dead` for good.
   */
  reportConnection(id: string, status: ConnectionReport, reason?: string): void;
  /** Put a worker into `backoff` for exactly `ms` (extends, never shortens, a current backoff). */
  backoffWorker(id: string, ms: number, reason?: string): void;
  /** Change a worker's capabilities, weight or capacity; queued tasks are re-offered. */
  updateWorker(id: string, update: WorkerUpdate): void;
  /** Abort every task running on the worker; they reject with `TaskCancelledError`. Returns how many. */
  cancelWorkerTasks(id: string): number;
  /** The worker ids, in the order they were added. */
  workerIds(): string[];
  getWorker(id: string): WorkerView | undefined;
  /** One worker's part of `snapshot()`, without building the rest; undefined for an unknown id. */
  workerSnapshot(id: string): WorkerSnapshot | undefined;
  readonly strategy: Strategy;
  /** Swap the balancing strategy; the old one stops observing events. A bad strategy is refused and the old one stays. */
  setStrategy(strategy: Strategy): void;
  /** Stop starting tasks; running tasks go on, and `submit` still queues. */
  pause(): void;
  /** Start tasks again after `pause()`. */
  resume(): void;
  readonly isPaused: boolean;
  /** Cancel every task that has not started (queued or waiting to retry); running tasks go on. Returns how many. */
  clear(): number;
  /** Tasks not running: queued, or waiting out a retry delay. */
  readonly size: number;
  /** Tasks running. */
  readonly pending: number;
  /** Resolves when nothing is queued, waiting or running. */
  onIdle(): Promise<void>;
  /** Resolves when nothing is queued or waiting (tasks may still be running). */
  onEmpty(): Promise<void>;
  /** Resolves when fewer than `limit` tasks are queued or waiting: a producer's backpressure. */
  onSizeLessThan(limit: number): Promise<void>;
  /** The running tasks: which, on which worker, since when. */
  runningTasks(): RunningTask[];
}
