import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Actor, SnapshotFrom } from 'xstate';
import type { Wake } from '../pool/scheduler.js';
import { WorkerStatsTracker } from '../pool/stats.js';
import type { WorkerState, WorkerView } from '../types.js';
import type { WorkerMachine } from './machine.js';

export type WorkerSnapshotValue = SnapshotFrom<WorkerMachine>['value'];

/** A task as a worker's list of running tasks links it (no allocation per worker or per run). */
export interface RunLink<T> {
  prevRun: T | undefined;
  nextRun: T | undefined;
}

/**
 * The pool's record of one worker, and the `WorkerView` strategies see. Its state and in-flight
 * count are read from the actor's current snapshot every time, never copied: the actor is the
 * only owner of both, and the pool changes them only by sending it events.
 */
export class WorkerRecord<R, Task extends RunLink<Task>> implements WorkerView {
  readonly id: string;
  readonly resource: R;
  readonly addedAt: number;
  readonly actor: Actor<WorkerMachine>;
  readonly #parentLog: Logger;
  #log: Logger | undefined;
  /** The ready index of the pool this worker belongs to: candidates of another pool are refused. */
  readonly owner: object;
  readonly stats = new WorkerStatsTracker();
  /** Tasks running on this worker, as an intrusive list (membership only: the count is the actor's). */
  #runningHead: Task | undefined;
  /** Tasks that may only run here (unknown-outcome retries); made on first use. */
  #pinned: Set<Task> | undefined;
  /** The state last reported in a `worker-state` event, to tell what changed. */
  reported: WorkerSnapshotValue;
  reportedBackoffUntil = 0;
  capabilities: ReadonlySet<string>;
  weight: number;
  readySince: number;
  removing = false;
  /** Position in the pool's ready index, -1 when not ready. */
  readyPos = -1;
  /** Stamp of the last filtered candidate list this worker was put in. */
  mark = 0;
  /** Clock time an outlier ejection of this worker ends; 0 when it is not ejected. */
  ejectedUntil = 0;
  /** Latest end of a backoff ordered by anything but ejection (a rate limit, `backoffWorker`): panic mode never cuts it. */
  heldUntil = 0;
  /** The pool's wake-up at `ejectedUntil` while panic mode lets this ejected worker take tasks. */
  ejectionWake: Wake | undefined;
  /** Per pace key: earliest clock time the next such task may start here. */
  paceNext: Map<string, number> | undefined;
  /** Aborts the runs of this worker that have no signal or timeout of their own; made on first use. */
  #shared: AbortController | undefined;
  whenRemoved: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    id: string,
    resource: R,
    capabilities: readonly string[],
    weight: number,
    now: number,
    actor: Actor<WorkerMachine>,
    log: Logger,
    owner: object,
  ) {
    this.id = id;
    this.resource = resource;
    this.capabilities = capabilitySet(capabilities);
    this.weight = weight;
    this.addedAt = now;
    this.readySince = now;
    this.actor = actor;
    this.reported = actor.getSnapshot().value;
    this.#parentLog = log;
    this.owner = owner;
  }

  addRunning(task: Task): void {
    task.prevRun = undefined;
    task.nextRun = this.#runningHead;
    if (this.#runningHead !== undefined) this.#runningHead.prevRun = task;
    this.#runningHead = task;
  }

  removeRunning(task: Task): void {
    if (task.prevRun !== undefined) task.prevRun.nextRun = task.nextRun;
    else if (this.#runningHead === task) this.#runningHead = task.nextRun;
    if (task.nextRun !== undefined) task.nextRun.prevRun = task.prevRun;
    task.prevRun = undefined;
    task.nextRun = undefined;
  }

  /** The tasks running here, oldest first, as a copy. */
  runningTasks(): Task[] {
    const out: Task[] = [];
    for (let t = this.#runningHead; t !== undefined; t = t.nextRun) out.push(t);
    return out.reverse();
  }

  pin(task: Task): void {
    this.#pinned ??= new Set();
    this.#pinned.add(task);
  }

  unpin(task: Task): void {
    this.#pinned?.delete(task);
  }

  /** The tasks pinned here, as a copy (safe to change the pins while walking it). */
  pinnedTasks(): Task[] {
    return this.#pinned === undefined ? [] : [...this.#pinned];
  }

  /** The worker's child logger (`{ worker: id }`), made on first use: most workers never log. */
  get log(): Logger {
    this.#log ??= this.#parentLog.child({ worker: this.id });
    return this.#log;
  }

  /** Whether debug lines would be written (so the pool need not build them). */
  get debugging(): boolean {
    const parent = this.#parentLog;
    return typeof parent.isLevelEnabled !== 'function' || parent.isLevelEnabled('debug');
  }

  /** The signal shared by this worker's runs that have no signal or timeout of their own. */
  get sharedSignal(): AbortSignal {
    this.#shared ??= sharedController();
    return this.#shared.signal;
  }

  /** Abort the shared signal (runs that hold it see `reason()`); later runs get a fresh one. */
  abortShared(reason: () => unknown): void {
    const shared = this.#shared;
    if (shared === undefined) return;
    this.#shared = undefined;
    shared.abort(reason());
  }

  get state(): WorkerState {
    const v = this.actor.getSnapshot().value;
    return typeof v === 'string' ? (v as WorkerState) : 'disconnected';
  }

  get inFlight(): number {
    return this.actor.getSnapshot().context.inFlight;
  }

  get capacity(): number {
    return this.actor.getSnapshot().context.capacity;
  }

  get dead(): boolean {
    const v = this.actor.getSnapshot().value;
    return typeof v !== 'string' && (v as { disconnected?: string }).disconnected === 'dead';
  }

  /** Dead or being removed: it will never take this task again. */
  get gone(): boolean {
    return this.removing || this.dead;
  }
}

/**
 * A controller whose signal every concurrent run of one worker may listen to (an HTTP request,
 * a fetch): up to `capacity` listeners at once is expected, not a leak, so Node's warning after
 * ten is turned off for it.
 */
export function sharedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

const NO_CAPABILITIES: ReadonlySet<string> = new Set();

/** A worker's capabilities; workers without any share one empty set. */
export function capabilitySet(capabilities: readonly string[]): ReadonlySet<string> {
  return capabilities.length === 0 ? NO_CAPABILITIES : new Set(capabilities);
}
