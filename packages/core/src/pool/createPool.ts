import { type Logger, pino } from 'pino';
import type { Observable } from 'rxjs';
import { createActor } from 'xstate';
import {
  AttemptTimeoutError,
  PoolClosedError,
  type SwitchyardError,
  TaskCancelledError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownWorkerError,
  ValidationError,
} from '../errors.js';
import { chainLongWaits, systemClock } from '../time/clock.js';
import type {
  Clock,
  CloseOptions,
  ConnectionReport,
  EjectionSnapshot,
  Failure,
  FailureKind,
  LoadEvent,
  Pool,
  PoolSnapshot,
  ProcessOptions,
  ProcessOutcome,
  Random,
  RetryOptions,
  RunningTask,
  Strategy,
  TaskSpec,
  WorkerSnapshot,
  WorkerSpec,
  WorkerUpdate,
  WorkerView,
} from '../types.js';
import {
  checkId,
  checkReason,
  closeOptionsSchema,
  failureSchema,
  parseOrThrow,
  poolOptionsSchema,
  strategySchema,
  taskSpecSchema,
  workerSpecSchema,
  workerUpdateSchema,
} from '../validation/schemas.js';
import { subState, topState, type WorkerEvent } from '../worker/machine.js';
import { memoizedWorkerLogic } from '../worker/memoizedLogic.js';
import { capabilitySet, WorkerRecord } from '../worker/record.js';
import { Dispatcher } from './dispatcher.js';
import { defaultEjection, type EjectionOptions, ejectionCap, ejectionMs, inPanic } from './ejection.js';
import { EventBus } from './eventBus.js';
import { Lanes } from './lanes.js';
import { type KindCounters, Metrics } from './metrics.js';
import type { PoolOptions } from './options.js';
import { type Decision, decideOutcome, defaultRetry, pinnedGoneWhy } from './outcome.js';
import { processTasks } from './process.js';
import { ReadyIndex } from './readyIndex.js';
import { Scheduler } from './scheduler.js';
import { SignalWatch } from './signals.js';
import { DONE, QUEUED, RUNNING, Task, WAITING, type Worker } from './task.js';

export type { EjectionOptions, PoolOptions, RateLimit } from './options.js';

const EV_STARTED: WorkerEvent = { type: 'TASK_STARTED' };
const EV_FINISHED: WorkerEvent = { type: 'TASK_FINISHED' };

/**
 * Create a worker pool. See `PoolOptions` for every option. The pool validates its options
 * and throws a `ValidationError` naming the field when one is wrong.
 */
export function createPool<R = unknown>(options: PoolOptions<R>): Pool<R> {
  return new WorkerPool<R>(options);
}

/**
 * The pool: it owns the workers and the task records, and wires the parts together. The parts
 * live in files of their own: the ready index, the lanes, the dispatcher, one scheduler for
 * every timed wake-up, signal watching, the outcome policy (a pure function), metrics and the
 * event bus. A worker's state and in-flight count are its actor's alone.
 */
class WorkerPool<R> implements Pool<R> {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #log: Logger;
  readonly #classify: PoolOptions<R>['classify'];
  readonly #retry: RetryOptions;
  readonly #attemptTimeoutMs: number | undefined;
  readonly #ejection: EjectionOptions | undefined;
  readonly #inspect: PoolOptions<R>['inspect'];
  #strategy: Strategy;

  readonly #bus = new EventBus();
  readonly events$: Observable<LoadEvent> = this.#bus.events$;
  readonly #workers = new Map<string, Worker<R>>();
  readonly #ready = new ReadyIndex<Worker<R>>();
  readonly #lanes = new Lanes<R>();
  readonly #scheduler: Scheduler;
  readonly #dispatcher: Dispatcher<R>;
  readonly #signals: SignalWatch<Task<R>>;
  readonly #metrics: Metrics;

  #nextId = 1;
  /** Unsettled tasks. */
  #live = 0;
  /** Every unsettled task, as an intrusive list (no hashing on the hot path). */
  #pendingHead: Task<R> | undefined;
  /** The worker whose actor the pool is sending an event to (its own changes are handled after). */
  #sendingTo: Worker<R> | undefined;
  #paused = false;
  /** Panic mode: too few workers are healthy, so ejected workers take tasks too. */
  #panic = false;
  /** Set while panic mode is being entered or left (its own events to actors must not re-enter it). */
  #panicking = false;
  #closing = false;
  /** Set once draining is over: nothing new starts. */
  #halted = false;
  #closed = false;
  #closePromise: Promise<void> | undefined;
  /** `onIdle`, `onEmpty`, `onSizeLessThan` and a draining close, waiting for their condition. */
  #waiters: { readonly met: () => boolean; readonly resolve: () => void }[] = [];

  constructor(options: PoolOptions<R>) {
    parseOrThrow(poolOptionsSchema, options, 'options');
    this.#clock = chainLongWaits(options.clock ?? systemClock);
    this.#log = options.logger ?? pino({ level: 'silent' });
    this.#random = checkedRandom(options.random ?? Math.random, this.#log);
    this.#classify = options.classify;
    this.#retry = { ...defaultRetry, ...options.retry };
    this.#attemptTimeoutMs = options.attemptTimeoutMs;
    this.#ejection = options.ejection === false ? undefined : { ...defaultEjection, ...options.ejection };
    this.#inspect = options.inspect;
    this.#metrics = new Metrics(
      new Map(Object.entries(options.limits ?? {})),
      new Map(Object.entries(options.rates ?? {})),
      options.latencyWindow ?? 10_000,
      () => this.#clock.now(),
    );
    this.#scheduler = new Scheduler(this.#clock);
    this.#signals = new SignalWatch((task, signal) =>
      this.#cancel(task, 'aborted', new TaskCancelledError(task.id, 'its signal aborted', signal.reason)),
    );
    this.#dispatcher = new Dispatcher<R>({
      lanes: this.#lanes,
      ready: this.#ready,
      scheduler: this.#scheduler,
      log: this.#log,
      now: () => this.#clock.now(),
      strategy: () => this.#strategy,
      canStart: () => !this.#paused && !this.#halted,
      start: (task, w) => this.#start(task, w),
      throttled: (counters, until) => this.#throttled(counters, until),
    });
    this.#strategy = options.strategy;
    this.#bus.attach(options.strategy);
  }

  get strategy(): Strategy {
    return this.#strategy;
  }

  setStrategy(strategy: Strategy): void {
    this.#assertNotClosed('setStrategy');
    parseOrThrow(strategySchema, strategy, 'strategy');
    this.#strategy = strategy;
    this.#bus.attach(strategy);
    // Tell the new strategy (only it: users saw these workers join) who is here, so ring- or
    // map-based strategies can index them.
    this.#bus.tellStrategy(
      () => [...this.#workers.values()].map((w) => this.#workerInfo('worker-added', w)),
      'worker-added',
    );
    this.#ready.epoch++;
    this.#dispatcher.run();
  }

  // ─── workers ────────────────────────────────────────────────────────────────

  addWorker(spec: WorkerSpec<R>): void {
    this.#assertOpen('addWorker');
    const s = parseOrThrow(workerSpecSchema, spec, 'worker');
    if (this.#workers.has(s.id)) {
      throw new ValidationError([
        { field: 'worker.id', reason: `a worker with id ${JSON.stringify(s.id)} exists` },
      ]);
    }
    const actor = createActor(memoizedWorkerLogic, {
      input: { id: s.id, capacity: s.capacity ?? 1 },
      clock: this.#clock,
      ...(this.#inspect === undefined ? {} : { inspect: this.#inspect }),
    });
    const w: Worker<R> = new WorkerRecord(
      s.id,
      spec.resource,
      s.capabilities ?? [],
      s.weight ?? 1,
      this.#clock.now(),
      actor,
      this.#log,
      this.#ready,
    );
    this.#workers.set(s.id, w);
    actor.start();
    // The actor also moves on its own (a backoff ends on its timer). The pool reacts after the
    // transition is over, never inside it: XState queues events sent from inside a transition,
    // so dispatching there would read stale counts.
    actor.subscribe(() => {
      if (this.#sendingTo !== w) queueMicrotask(() => this.#onActorChange(w, undefined));
    });
    this.#emitWorkerInfo('worker-added', w);
    if (w.debugging) w.log.debug({ capacity: w.capacity }, 'worker added');
    this.#syncReady(w);
    this.#checkPanic();
    this.#dispatcher.run();
  }

  #emitWorkerInfo(type: 'worker-added' | 'worker-updated', w: Worker<R>): void {
    if (this.#bus.wants(type)) this.#bus.emit(this.#workerInfo(type, w));
  }

  #workerInfo(type: 'worker-added' | 'worker-updated', w: Worker<R>): LoadEvent {
    return {
      type,
      at: this.#clock.now(),
      worker: w.id,
      capacity: w.capacity,
      capabilities: [...w.capabilities],
      weight: w.weight,
    };
  }

  removeWorker(id: string): Promise<void> {
    try {
      this.#assertNotClosed('removeWorker');
      const w = this.#worker(id);
      if (w.whenRemoved) return w.whenRemoved.promise;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      w.whenRemoved = { promise, resolve };
      w.removing = true;
      this.#syncReady(w);
      this.#checkPanic();
      this.#failPinned(w, 'its worker was removed');
      if (w.debugging) w.log.debug({ inFlight: w.inFlight }, 'removing worker');
      if (w.inFlight === 0) this.#finishRemoval(w);
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #finishRemoval(w: Worker<R>): void {
    this.#failPinned(w, 'its worker was removed');
    this.#ready.remove(w);
    w.ejectionWake = this.#scheduler.cancel(w.ejectionWake);
    w.actor.stop();
    this.#workers.delete(w.id);
    this.#bus.emit({ type: 'worker-removed', at: this.#clock.now(), worker: w.id });
    if (w.debugging) w.log.debug('worker removed');
    w.whenRemoved?.resolve();
  }

  reportConnection(id: string, status: ConnectionReport, reason?: string): void {
    this.#assertNotClosed('reportConnection');
    const w = this.#worker(id);
    checkReason(reason);
    if (status === 'connected')
      this.#send(w, { type: 'CONNECTION_RESTORED', now: this.#clock.now() }, reason ?? 'reconnected');
    else if (status === 'disconnected')
      this.#send(w, { type: 'CONNECTION_LOST' }, reason ?? 'connection-lost');
    else if (status === 'dead') this.#kill(w, reason ?? 'dead');
    else throw new ValidationError([{ field: 'status', reason: 'must be connected, disconnected or dead' }]);
    this.#dispatcher.run();
  }

  backoffWorker(id: string, ms: number, reason?: string): void {
    this.#assertNotClosed('backoffWorker');
    const w = this.#worker(id);
    if (!(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
      throw new ValidationError([{ field: 'ms', reason: 'must be a finite number ≥ 0' }]);
    }
    checkReason(reason);
    const now = this.#clock.now();
    if (!w.dead) w.heldUntil = Math.max(w.heldUntil, now + ms);
    this.#send(w, { type: 'RATE_LIMITED', now, retryAfterMs: ms }, reason ?? 'backoff');
  }

  updateWorker(id: string, update: WorkerUpdate): void {
    this.#assertNotClosed('updateWorker');
    const w = this.#worker(id);
    const u = parseOrThrow(workerUpdateSchema, update, 'update');
    if (u.capabilities !== undefined) {
      w.capabilities = capabilitySet(u.capabilities);
      this.#failPinned(w, 'its worker lost a capability it requires', (t) =>
        lacksCapability(w, t.spec.requires),
      );
    }
    if (u.weight !== undefined) w.weight = u.weight;
    if (u.capacity !== undefined)
      this.#send(w, { type: 'SET_CAPACITY', capacity: u.capacity }, 'capacity-changed');
    this.#emitWorkerInfo('worker-updated', w);
    this.#ready.epoch++;
    this.#dispatcher.run();
  }

  cancelWorkerTasks(id: string): number {
    this.#assertNotClosed('cancelWorkerTasks');
    const w = this.#worker(id);
    const tasks = w.runningTasks();
    for (const t of tasks)
      this.#cancel(t, 'aborted', new TaskCancelledError(t.id, `tasks of worker ${w.id} cancelled`));
    w.abortShared(() => new TaskCancelledError(0, `tasks of worker ${w.id} cancelled`));
    return tasks.length;
  }

  workerIds(): string[] {
    return [...this.#workers.keys()];
  }

  getWorker(id: string): WorkerView | undefined {
    return this.#workers.get(id);
  }

  #worker(id: string): Worker<R> {
    checkId(id);
    const w = this.#workers.get(id);
    if (w === undefined) throw new UnknownWorkerError(id);
    return w;
  }

  #kill(w: Worker<R>, reason: string): void {
    this.#send(w, { type: 'FATAL' }, reason);
    this.#failPinned(w, 'its worker is dead');
  }

  /**
   * Tasks pinned to a worker that is gone (or, with `cannotRun`, that cannot run them) can never
   * run: fail the ones not running now.
   */
  #failPinned(w: Worker<R>, why: string, cannotRun: (t: Task<R>) => boolean = () => true): void {
    for (const t of w.pinnedTasks()) {
      if (!cannotRun(t)) continue;
      if (t.state === QUEUED) this.#lanes.remove(t);
      else if (t.state === WAITING) this.#unwait(t);
      else continue;
      this.#fail(t, w, { kind: 'unknown-outcome' }, 0, undefined, why);
    }
  }

  /** Send an event to a worker's actor on the pool's behalf, then react to its new state. */
  #send(w: Worker<R>, event: WorkerEvent, reason: string): void {
    this.#sendingTo = w;
    try {
      w.actor.send(event);
    } finally {
      this.#sendingTo = undefined;
    }
    this.#onActorChange(w, reason);
  }

  /**
   * After the actor's transition is over: report a change of state, bring the ready index up to
   * date, and, when the actor moved on its own (`reason` undefined: its backoff ended), dispatch.
   */
  #onActorChange(w: Worker<R>, reason: string | undefined): void {
    const snap = w.actor.getSnapshot();
    const prev = w.reported;
    const until = snap.context.backoffUntil;
    let healthChanged = false;
    if (snap.value !== prev || until !== w.reportedBackoffUntil) {
      const from = topState(prev);
      const to = topState(snap.value);
      const toSub = subState(snap.value);
      // A backoff extended in place is reported too, so observers always know when it ends.
      const extended = to === 'backoff' && from === 'backoff' && until !== w.reportedBackoffUntil;
      w.reported = snap.value;
      w.reportedBackoffUntil = until;
      if (from !== to || subState(prev) !== toSub || extended) this.#reportState(w, from, to, toSub, reason);
      // A disconnected worker that dies leaves the count of workers the shares are taken over.
      healthChanged = isUp(from) !== isUp(to) || toSub === 'dead';
    }
    this.#syncReady(w);
    // After the ready index is up to date: a change of panic mode dispatches.
    if (healthChanged) this.#checkPanic();
    if (reason === undefined && !this.#closed) this.#dispatcher.run();
  }

  #reportState(
    w: Worker<R>,
    from: WorkerSnapshot['state'],
    to: WorkerSnapshot['state'],
    toSub: 'reconnecting' | 'dead' | undefined,
    given: string | undefined,
  ): void {
    const now = this.#clock.now();
    if ((from === 'backoff' || from === 'disconnected') && (to === 'connected' || to === 'busy'))
      w.readySince = now;
    const reason = given ?? (from === 'backoff' ? 'backoff-elapsed' : 'timer');
    const backoffMs = to === 'backoff' ? w.actor.getSnapshot().context.backoffMs : undefined;
    if (this.#bus.wants('worker-state')) {
      const event = { type: 'worker-state', at: now, worker: w.id, from, to } as const;
      this.#bus.emit(
        backoffMs === undefined
          ? { ...event, reason: toSub === 'dead' ? 'dead' : reason }
          : { ...event, reason, backoffMs },
      );
    }
    if (
      (to === 'backoff' || to === 'disconnected' || from === 'backoff' || from === 'disconnected') &&
      w.debugging
    ) {
      w.log.debug({ from, to: toSub ? `${to}.${toSub}` : to, reason, backoffMs }, 'worker state');
    }
  }

  #syncReady(w: Worker<R>): void {
    if (!w.removing && !this.#closed && w.state === 'connected') this.#ready.add(w);
    else this.#ready.remove(w);
  }

  // ─── tasks ──────────────────────────────────────────────────────────────────

  submit<T>(spec: TaskSpec<R, T>): Promise<T> {
    if (this.#closing) return Promise.reject(new PoolClosedError('the pool is closed: submit refused'));
    let s: TaskSpec<R, T>;
    try {
      s = isRunOnly(spec) ? spec : (parseOrThrow(taskSpecSchema, spec, 'task') as TaskSpec<R, T>);
    } catch (error) {
      return Promise.reject(error);
    }
    if (s.signal?.aborted) {
      return Promise.reject(new TaskCancelledError(0, 'its signal was already aborted', s.signal.reason));
    }
    const pin = s.pinnedTo === undefined ? undefined : this.#workers.get(s.pinnedTo);
    if (s.pinnedTo !== undefined && (pin === undefined || pin.gone || lacksCapability(pin, s.requires))) {
      const state =
        pin === undefined ? 'not in the pool' : pin.gone ? 'gone' : 'without a capability it requires';
      const why = `${pinnedGoneWhy} (${JSON.stringify(s.pinnedTo)} is ${state})`;
      return Promise.reject(new TaskFailedError(0, 'unknown-outcome', 0, new Error(why), why));
    }
    return new Promise<T>((resolve, reject) => {
      const task = new Task<R>(
        this.#nextId++,
        s as TaskSpec<R, unknown>,
        s.retry === undefined ? this.#retry : { ...this.#retry, ...s.retry },
        s.attemptTimeoutMs ?? this.#attemptTimeoutMs,
        this.#metrics.kind(s.kind ?? 'other'),
        resolve as (v: unknown) => void,
        reject,
      );
      this.#metrics.submitted++;
      this.#live++;
      task.nextPending = this.#pendingHead;
      if (this.#pendingHead !== undefined) this.#pendingHead.prevPending = task;
      this.#pendingHead = task;
      if (s.signal !== undefined) this.#signals.watch(s.signal, task);
      if (pin !== undefined) {
        task.pinned = pin;
        pin.pin(task);
      }
      if (s.timeoutMs !== undefined) {
        const ms = s.timeoutMs;
        task.deadline = this.#scheduler.after(ms, () => {
          task.deadline = undefined;
          this.#cancel(task, 'timeout', new TaskTimeoutError(task.id, ms));
        });
      }
      this.#enqueue(task);
      this.#dispatcher.run();
    });
  }

  process<T>(
    source: AsyncIterable<TaskSpec<R, T>> | Iterable<TaskSpec<R, T>> | Observable<TaskSpec<R, T>>,
    options?: ProcessOptions,
  ): Observable<ProcessOutcome<T>> {
    return processTasks((spec) => this.submit(spec), source, options);
  }

  #enqueue(task: Task<R>): void {
    this.#lanes.push(task);
    if (this.#bus.wants('task-queued')) {
      this.#bus.emit({
        type: 'task-queued',
        at: this.#clock.now(),
        task: task.id,
        kind: task.kind,
        priority: task.priority,
        attempt: task.attempt,
      });
    }
  }

  /** Hold a task out of the queue for `ms` (a retry delay, a task-scoped rate limit); it holds no worker. */
  #wait(task: Task<R>, ms: number): void {
    task.state = WAITING;
    this.#metrics.waiting++;
    task.timer = this.#scheduler.after(ms, () => {
      task.timer = undefined;
      this.#metrics.waiting--;
      if (
        task.pinned !== undefined &&
        (task.pinned.gone || lacksCapability(task.pinned, task.spec.requires))
      ) {
        this.#fail(
          task,
          task.pinned,
          { kind: 'unknown-outcome' },
          0,
          undefined,
          'its earlier outcome is unknown and its worker cannot run it again',
        );
        return;
      }
      this.#enqueue(task);
      this.#dispatcher.run();
    });
  }

  #unwait(task: Task<R>): void {
    task.timer = this.#scheduler.cancel(task.timer);
    task.state = DONE;
    this.#metrics.waiting--;
  }

  #throttled(counters: KindCounters, until: number): void {
    if (counters.throttledUntil === until) return;
    counters.throttledUntil = until;
    if (this.#bus.wants('kind-throttled')) {
      this.#bus.emit({ type: 'kind-throttled', at: this.#clock.now(), kind: counters.kind, until });
    }
  }

  #start(task: Task<R>, w: Worker<R>): void {
    const now = this.#clock.now();
    task.state = RUNNING;
    task.worker = w;
    task.startedAt = now;
    const token = ++task.runToken;
    this.#metrics.running++;
    const counters = task.counters;
    counters.running++;
    counters.rate?.take(now);
    w.addRunning(task);
    const pace = task.spec.pace;
    if (pace !== undefined) {
      w.paceNext ??= new Map();
      w.paceNext.set(pace.key ?? task.kind, now + pace.intervalMs);
    }
    this.#send(w, EV_STARTED, 'capacity');
    if (this.#bus.wants('task-assigned')) {
      this.#bus.emit({
        type: 'task-assigned',
        at: now,
        task: task.id,
        kind: task.kind,
        worker: w.id,
        attempt: task.attempt,
      });
    }
    const spec = task.spec;
    const attemptMs = task.attemptTimeoutMs;
    // A task that can be aborted on its own gets its own controller; the others share their
    // worker's, made only when a run first reads `signal` (most never do, and a controller costs
    // more than the rest of a start).
    let signal: AbortSignal | undefined;
    if (spec.signal !== undefined || spec.timeoutMs !== undefined || attemptMs !== undefined) {
      task.controller = new AbortController();
      signal = task.controller.signal;
    } else {
      task.controller = undefined;
    }
    if (attemptMs !== undefined) {
      task.attemptTimer = this.#scheduler.after(attemptMs, () => {
        task.attemptTimer = undefined;
        if (task.runToken !== token || task.state !== RUNNING) return;
        const error = new AttemptTimeoutError(attemptMs);
        task.controller?.abort(error);
        this.#onFailure(task, token, error);
      });
    }
    if (this.#waiters.length > 0) this.#checkWaiters();
    let result: unknown;
    try {
      result = spec.run({
        worker: w.id,
        resource: w.resource,
        get signal(): AbortSignal {
          signal ??=
            task.runToken === token && task.state === RUNNING
              ? w.sharedSignal
              : AbortSignal.abort(new TaskCancelledError(task.id, 'the attempt has ended'));
          return signal;
        },
        attempt: task.attempt,
        taskId: task.id,
      });
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then(
      (value) => this.#onSuccess(task, token, value),
      (error: unknown) => this.#onFailure(task, token, error),
    );
  }

  #onSuccess(task: Task<R>, token: number, value: unknown): void {
    if (task.runToken !== token || task.state !== RUNNING) return;
    const w = task.worker!;
    const now = this.#clock.now();
    const latencyMs = now - task.startedAt;
    w.stats.success(latencyMs);
    w.stats.ejections = 0;
    // A worker that panic mode let back in has proved itself: its ejection is over.
    if (w.ejectionWake !== undefined) {
      w.ejectionWake = this.#scheduler.cancel(w.ejectionWake);
      w.ejectedUntil = 0;
      this.#checkPanic();
    }
    this.#metrics.latency.add(latencyMs);
    this.#metrics.succeeded++;
    task.counters.completed++;
    if (this.#bus.wants('task-succeeded')) {
      this.#bus.emit({
        type: 'task-succeeded',
        at: now,
        task: task.id,
        kind: task.kind,
        worker: w.id,
        attempt: task.attempt,
        latencyMs,
      });
    }
    this.#endRun(task);
    this.#settle(task, true, value, undefined);
    this.#release(w);
  }

  #onFailure(task: Task<R>, token: number, error: unknown): void {
    if (task.runToken !== token || task.state !== RUNNING) return;
    const w = task.worker!;
    const now = this.#clock.now();
    const latencyMs = now - task.startedAt;
    const failure = this.#classifyError(error, task, w);
    const decision = decideOutcome(
      failure,
      {
        idempotent: task.spec.idempotent === true,
        retry: task.retry,
        retriesUsed: task.retriesUsed,
        rateLimitWaitMs: task.rateLimitWaitMs,
        pinnedHere: task.pinned === w,
      },
      // A task pinned here cannot run here again once the worker has lost a capability it requires.
      { gone: w.gone || (task.pinned === w && lacksCapability(w, task.spec.requires)) },
      this.#random,
    );
    task.retriesUsed = decision.retriesUsed;
    task.rateLimitWaitMs = decision.rateLimitWaitMs;
    w.stats.failure(failure.kind === 'rate-limited');
    if (failure.kind === 'rate-limited') this.#metrics.rateLimited++;
    this.#endRun(task);
    this.#applyToWorker(decision, failure, w, now);
    if (!decision.retry) {
      const unknown = decision.failAs !== failure.kind;
      const why = unknown ? `${decision.why}, after an attempt whose outcome is unknown` : decision.why;
      this.#fail(task, w, unknown ? { kind: 'unknown-outcome' } : failure, latencyMs, error, why);
    } else {
      this.#emitFailed(task, w, failure, latencyMs, error, true);
      if (decision.pin && task.pinned !== w) {
        task.pinned?.unpin(task);
        task.pinned = w;
        w.pin(task);
      }
      if (decision.newAttempt) {
        task.attempt++;
        this.#metrics.retries++;
      }
      if (decision.waitMs > 0) this.#wait(task, decision.waitMs);
      else this.#enqueue(task);
    }
    this.#release(w);
  }

  /** What a failure does to its worker: a backoff, death, or an ejection after repeated failures. */
  #applyToWorker(decision: Decision, failure: Failure, w: Worker<R>, now: number): void {
    if (decision.backoffWorkerMs !== undefined) {
      if (!w.dead) w.heldUntil = Math.max(w.heldUntil, now + decision.backoffWorkerMs);
      this.#send(w, { type: 'RATE_LIMITED', now, retryAfterMs: decision.backoffWorkerMs }, 'rate-limited');
    }
    if (decision.killWorker) this.#kill(w, 'worker-fatal');
    if (
      (failure.kind === 'transient' || failure.kind === 'unknown-outcome') &&
      this.#ejection !== undefined &&
      !w.dead
    ) {
      const ms = ejectionMs(w.stats.consecutiveFailures, w.stats.ejections, this.#ejection);
      if (ms !== undefined) this.#eject(w, ms, now, this.#ejection);
    }
  }

  /**
   * Eject a worker for `ms`, unless that would eject more workers than `maxEjectionPercent`
   * allows (then the refusal is reported). In panic mode an ejected worker keeps taking tasks.
   */
  #eject(w: Worker<R>, ms: number, now: number, options: EjectionOptions): void {
    w.stats.consecutiveFailures = 0;
    if (!(w.ejectedUntil > now)) {
      const { ejected, members } = this.#health(now);
      const cap = ejectionCap(members, options);
      if (ejected >= cap) {
        w.log.warn({ ejected, maxEjected: cap }, 'outlier not ejected: too many workers are ejected');
        if (this.#bus.wants('ejection-refused'))
          this.#bus.emit({ type: 'ejection-refused', at: now, worker: w.id, ejected, maxEjected: cap });
        return;
      }
    }
    w.stats.ejections++;
    w.ejectedUntil = Math.max(w.ejectedUntil, now + ms);
    w.log.warn({ ms, failures: options.consecutiveFailures }, 'outlier ejected into backoff');
    if (this.#panic) this.#wakeAtEjectionEnd(w, now);
    else this.#send(w, { type: 'RATE_LIMITED', now, retryAfterMs: ms }, 'ejected');
    this.#checkPanic();
  }

  /** Ejected, healthy and counted workers: counted are those neither dead nor being removed. */
  #health(now: number): { ejected: number; healthy: number; members: number } {
    let ejected = 0;
    let healthy = 0;
    let members = 0;
    for (const w of this.#workers.values()) {
      if (w.gone) continue;
      members++;
      if (w.ejectedUntil > now) ejected++;
      else if (isUp(w.state)) healthy++;
    }
    return { ejected, healthy, members };
  }

  /** Enter or leave panic mode when the healthy share has crossed its threshold. */
  #checkPanic(): void {
    const options = this.#ejection;
    if (options === undefined || this.#panicking || this.#closed) return;
    const now = this.#clock.now();
    const { ejected, healthy, members } = this.#health(now);
    const panic = inPanic(this.#panic, healthy, members, options);
    if (panic === this.#panic) return;
    this.#panic = panic;
    // Worth a warning only when it lets ejected workers back in; workers that are still
    // connecting (every pool's first moments) or disconnected make it a debug line.
    this.#log[ejected > 0 ? 'warn' : 'debug'](
      { healthy, ejected, workers: members },
      panic ? 'panic mode: ejected workers take tasks' : 'panic mode over',
    );
    if (this.#bus.wants('panic-mode'))
      this.#bus.emit({ type: 'panic-mode', at: now, active: panic, healthy, workers: members });
    this.#panicking = true;
    try {
      for (const w of this.#workers.values()) {
        if (w.gone || !(w.ejectedUntil > now)) continue;
        if (panic) {
          // Cut the ejection, never a rate limit or a backoffWorker wait.
          this.#send(w, { type: 'SHORTEN_BACKOFF', now, until: Math.max(now, w.heldUntil) }, 'panic');
          this.#wakeAtEjectionEnd(w, now);
        } else {
          w.ejectionWake = this.#scheduler.cancel(w.ejectionWake);
          this.#send(w, { type: 'RATE_LIMITED', now, retryAfterMs: w.ejectedUntil - now }, 'ejected');
        }
      }
    } finally {
      this.#panicking = false;
    }
    this.#dispatcher.run();
  }

  /** In panic mode, an ejected worker's ejection still ends on time: then it counts as healthy again. */
  #wakeAtEjectionEnd(w: Worker<R>, now: number): void {
    this.#scheduler.cancel(w.ejectionWake);
    w.ejectionWake = this.#scheduler.after(w.ejectedUntil - now, () => {
      w.ejectionWake = undefined;
      w.ejectedUntil = 0;
      this.#checkPanic();
    });
  }

  #classifyError(error: unknown, task: Task<R>, w: Worker<R>): Failure {
    if (this.#classify === undefined) return { kind: 'transient' };
    try {
      const view = Object.assign(Object.create(task) as Task<R>, { worker: w.id, resource: w.resource });
      return failureSchema.parse(this.#classify(error, view)) as Failure;
    } catch (classifyError) {
      w.log.error(
        { err: classifyError },
        'classify threw or returned an invalid Failure; treating the error as permanent',
      );
      return { kind: 'permanent' };
    }
  }

  /** Fail a task for good: a `task-failed` event, the kind's failure count, and the rejection. */
  #fail(task: Task<R>, w: Worker<R>, failure: Failure, latencyMs: number, error: unknown, why: string): void {
    this.#emitFailed(task, w, failure, latencyMs, error, false);
    task.counters.failed++;
    this.#settle(task, false, new TaskFailedError(task.id, failure.kind, task.attempt, error, why), 'failed');
  }

  #emitFailed(
    task: Task<R>,
    w: Worker<R>,
    failure: Failure,
    latencyMs: number,
    error: unknown,
    willRetry: boolean,
  ): void {
    if (!this.#bus.wants('task-failed')) return;
    const code = failure.code ?? errorCode(error);
    const event: LoadEvent & { type: 'task-failed' } = {
      type: 'task-failed',
      at: this.#clock.now(),
      task: task.id,
      kind: task.kind,
      worker: w.id,
      attempt: task.attempt,
      latencyMs,
      failure: failure.kind as FailureKind,
      willRetry,
      ...(failure.kind === 'rate-limited' ? { retryAfterMs: failure.retryAfterMs } : {}),
      ...(code === undefined ? {} : { code }),
    };
    this.#bus.emit(event);
  }

  /** The run is over (whatever its outcome): stop its timer and detach it from its worker. */
  #endRun(task: Task<R>): void {
    task.attemptTimer = this.#scheduler.cancel(task.attemptTimer);
    task.controller = undefined;
    this.#metrics.running--;
    task.counters.running--;
    task.worker!.removeRunning(task);
    task.worker = undefined;
    task.state = DONE;
  }

  /** A slot on `w` is free: the actor counts it, then queued work is offered again. */
  #release(w: Worker<R>): void {
    this.#send(w, EV_FINISHED, 'slot-freed');
    if (w.removing && w.inFlight === 0 && this.#workers.get(w.id) === w) this.#finishRemoval(w);
    if (this.#lanes.size > 0) this.#dispatcher.run();
  }

  #cancel(task: Task<R>, reason: 'aborted' | 'timeout' | 'cleared' | 'closed', error: SwitchyardError): void {
    const state = task.state;
    if (state === DONE) return;
    const w = task.worker;
    if (state === QUEUED) this.#lanes.remove(task);
    else if (state === WAITING) this.#unwait(task);
    else {
      task.runToken++;
      task.controller?.abort(error);
      this.#endRun(task);
    }
    if (this.#bus.wants('task-cancelled')) {
      const event = {
        type: 'task-cancelled',
        at: this.#clock.now(),
        task: task.id,
        kind: task.kind,
        reason,
      } as const;
      this.#bus.emit(w === undefined ? event : { ...event, worker: w.id });
    }
    this.#metrics.cancelled++;
    this.#settle(task, false, error, 'cancelled');
    if (w !== undefined) this.#release(w);
  }

  #settle(task: Task<R>, ok: boolean, value: unknown, how: 'failed' | 'cancelled' | undefined): void {
    task.state = DONE;
    task.deadline = this.#scheduler.cancel(task.deadline);
    if (task.spec.signal !== undefined) this.#signals.unwatch(task.spec.signal, task);
    if (task.pinned !== undefined) {
      task.pinned.unpin(task);
      task.pinned = undefined;
    }
    if (task.prevPending !== undefined) task.prevPending.nextPending = task.nextPending;
    else this.#pendingHead = task.nextPending;
    if (task.nextPending !== undefined) task.nextPending.prevPending = task.prevPending;
    task.prevPending = undefined;
    task.nextPending = undefined;
    this.#live--;
    if (ok) task.resolve(value);
    else {
      if (how === 'failed') this.#metrics.failed++;
      task.reject(value);
    }
    if (this.#waiters.length > 0) this.#checkWaiters();
  }

  // ─── p-queue's controls ─────────────────────────────────────────────────────

  pause(): void {
    this.#assertNotClosed('pause');
    this.#paused = true;
  }

  resume(): void {
    this.#assertNotClosed('resume');
    if (!this.#paused) return;
    this.#paused = false;
    this.#dispatcher.run();
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  clear(): number {
    this.#assertNotClosed('clear');
    const waiting: Task<R>[] = [];
    for (let t = this.#pendingHead; t !== undefined; t = t.nextPending)
      if (t.state !== RUNNING) waiting.push(t);
    for (const t of waiting)
      this.#cancel(t, 'cleared', new TaskCancelledError(t.id, 'the queue was cleared'));
    return waiting.length;
  }

  get size(): number {
    return this.#lanes.size + this.#metrics.waiting;
  }

  get pending(): number {
    return this.#metrics.running;
  }

  onIdle(): Promise<void> {
    return this.#when(() => this.#live === 0);
  }

  onEmpty(): Promise<void> {
    return this.#when(() => this.size === 0);
  }

  onSizeLessThan(limit: number): Promise<void> {
    if (typeof limit !== 'number' || Number.isNaN(limit)) {
      return Promise.reject(new ValidationError([{ field: 'limit', reason: 'must be a number' }]));
    }
    return this.#when(() => this.size < limit);
  }

  #when(met: () => boolean): Promise<void> {
    if (met()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ met, resolve }));
  }

  #checkWaiters(): void {
    const left = this.#waiters.filter((w) => !w.met());
    if (left.length === this.#waiters.length) return;
    const met = this.#waiters.filter((w) => !left.includes(w));
    this.#waiters = left;
    for (const w of met) w.resolve();
  }

  runningTasks(): RunningTask[] {
    const out: RunningTask[] = [];
    for (const w of this.#workers.values()) {
      for (const t of w.runningTasks()) {
        out.push({
          task: t.id,
          kind: t.kind,
          worker: w.id,
          attempt: t.attempt,
          priority: t.priority,
          since: t.startedAt,
        });
      }
    }
    return out;
  }

  // ─── observability ──────────────────────────────────────────────────────────

  workerSnapshot(id: string): WorkerSnapshot | undefined {
    const w = this.#workers.get(id);
    return w === undefined ? undefined : this.#workerSnapshot(w, this.#clock.now());
  }

  #workerSnapshot(w: Worker<R>, now: number): WorkerSnapshot {
    const snap = w.actor.getSnapshot();
    const state = topState(snap.value);
    const sub = subState(snap.value);
    let paced: Record<string, number> | undefined;
    for (const [key, next] of w.paceNext ?? [])
      if (next > now) {
        paced ??= {};
        paced[key] = next;
      }
    return {
      id: w.id,
      state,
      ...(sub === undefined ? {} : { substate: sub }),
      inFlight: snap.context.inFlight,
      capacity: snap.context.capacity,
      capabilities: [...w.capabilities],
      weight: w.weight,
      ...(state === 'backoff' ? { backoffUntil: snap.context.backoffUntil } : {}),
      ...(!w.gone && w.ejectedUntil > now ? { ejectedUntil: w.ejectedUntil } : {}),
      ...(paced === undefined ? {} : { pacedUntil: paced }),
      removing: w.removing,
      stats: w.stats.view(),
    };
  }

  snapshot(): PoolSnapshot {
    const now = this.#clock.now();
    const workers: WorkerSnapshot[] = [];
    for (const w of this.#workers.values()) workers.push(this.#workerSnapshot(w, now));
    const m = this.#metrics;
    return {
      workers,
      queued: this.size,
      inFlight: m.running,
      running: this.runningTasks(),
      throttled: m.throttled(now),
      paused: this.#paused,
      metrics: {
        inFlightByKind: m.byKind('running'),
        queuedByKind: m.byKind('queued'),
        completedByKind: m.byKind('completed'),
        failedByKind: m.byKind('failed'),
        submitted: m.submitted,
        succeeded: m.succeeded,
        failed: m.failed,
        cancelled: m.cancelled,
        retries: m.retries,
        rateLimited: m.rateLimited,
        latency: m.latencyPercentiles(),
      },
      ejection: this.#ejectionSnapshot(now),
      closed: this.#closed,
    };
  }

  #ejectionSnapshot(now: number): EjectionSnapshot {
    const { ejected, healthy, members } = this.#health(now);
    const cap = this.#ejection === undefined ? 0 : ejectionCap(members, this.#ejection);
    return { panic: this.#panic, ejected, maxEjected: cap, healthy, workers: members };
  }

  // ─── shutdown ───────────────────────────────────────────────────────────────

  /** Refuse new work once closing has begun. */
  #assertOpen(what: string): void {
    if (this.#closing) throw new PoolClosedError(`the pool is closed: ${what} refused`);
  }

  /** Refuse anything once close has finished; while a draining close runs, running work still needs these. */
  #assertNotClosed(what: string): void {
    if (this.#closed) throw new PoolClosedError(`the pool is closed: ${what} refused`);
  }

  close(options: CloseOptions = {}): Promise<void> {
    try {
      this.#closePromise ??= this.#close(parseOrThrow(closeOptionsSchema, options, 'close'));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#closePromise;
  }

  async #close(options: CloseOptions): Promise<void> {
    this.#closing = true;
    if ((options.drain ?? true) && this.#live > 0) {
      // Draining means finishing what is queued too, so a paused pool resumes.
      this.#paused = false;
      this.#dispatcher.run();
      await new Promise<void>((resolve) => {
        const timer =
          options.timeoutMs === undefined ? undefined : this.#scheduler.after(options.timeoutMs, resolve);
        this.#waiters.push({
          met: () => this.#live === 0,
          resolve: () => {
            this.#scheduler.cancel(timer);
            resolve();
          },
        });
      });
    }
    // Whatever is left is cancelled: queued and waiting tasks, and runs (their signals abort).
    this.#halted = true;
    const left: Task<R>[] = [];
    for (let t = this.#pendingHead; t !== undefined; t = t.nextPending) left.push(t);
    for (const task of left) this.#cancel(task, 'closed', new TaskCancelledError(task.id, 'the pool closed'));
    for (const w of this.#workers.values()) w.abortShared(() => new PoolClosedError());
    this.#dispatcher.stop();
    this.#scheduler.cancelAll();
    this.#closed = true;
    for (const w of this.#workers.values()) {
      this.#ready.remove(w);
      w.actor.stop();
      w.whenRemoved?.resolve();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
    this.#bus.complete();
  }
}

/** Ready or busy: a worker that can run tasks (counted healthy unless it is ejected). */
function isUp(state: WorkerSnapshot['state']): boolean {
  return state === 'connected' || state === 'busy';
}

/** A spec with nothing but `run`: the common case, accepted without a schema pass. */
function isRunOnly<R, T>(spec: TaskSpec<R, T>): boolean {
  if (typeof spec !== 'object' || spec === null || typeof spec.run !== 'function') return false;
  let n = 0;
  for (const key in spec) {
    if (key !== 'run' || ++n > 1) return false;
  }
  return n === 1;
}

/** The error's own string `code`, if it has one. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** `random` checked on every draw: a value outside [0, 1) is logged (once) and replaced by `Math.random()`. */
function checkedRandom(random: Random, log: Logger): Random {
  if (random === Math.random) return random;
  let warned = false;
  return () => {
    const x = random();
    if (typeof x === 'number' && x >= 0 && x < 1) return x;
    if (!warned) {
      warned = true;
      log.error(
        { value: String(x) },
        'random() returned a value outside [0, 1); using Math.random() instead',
      );
    }
    return Math.random();
  };
}

/** Whether the worker lacks one of the capabilities a task requires. */
function lacksCapability(
  w: { readonly capabilities: ReadonlySet<string> },
  requires: readonly string[] | undefined,
): boolean {
  return requires?.some((c) => !w.capabilities.has(c)) === true;
}
