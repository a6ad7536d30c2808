import { type Logger, pino } from 'pino';
import { type Observable, Subject, type Unsubscribable } from 'rxjs';
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
import { systemClock } from '../time/clock.js';
import type {
  Candidates,
  Clock,
  CloseOptions,
  ConnectionReport,
  Failure,
  LoadEvent,
  Pool,
  PoolSnapshot,
  Random,
  RetryOptions,
  Strategy,
  TaskSpec,
  TaskView,
  WorkerSnapshot,
  WorkerSpec,
  WorkerState,
  WorkerUpdate,
  WorkerView,
} from '../types.js';
import {
  closeOptionsSchema,
  failureSchema,
  parseOrThrow,
  poolOptionsSchema,
  taskSpecSchema,
  workerSpecSchema,
  workerUpdateSchema,
} from '../validation/schemas.js';
import { subState, topState, type WorkerEvent } from '../worker/machine.js';
import { memoizedWorkerLogic } from '../worker/memoizedLogic.js';
import { sharedController, WorkerRecord } from '../worker/record.js';
import { PriorityFifo } from './queue.js';
import { defaultRetry, retryDelay } from './retry.js';
import { LatencyWindow } from './stats.js';
import { DONE, isQueued, type KindCounters, type Lane, QUEUED, RUNNING, Task, WAITING } from './task.js';
import { TokenBucket } from './tokenBucket.js';

export interface EjectionOptions {
  /** Consecutive failures (transient or unknown-outcome) that eject a worker into backoff. Default 5. */
  consecutiveFailures: number;
  /** First ejection's length; each further one doubles it. Default 10 s. */
  baseEjectionMs: number;
  /** Longest ejection. Default 5 minutes. A success resets the growth. */
  maxEjectionMs: number;
}

export interface PoolOptions<R> {
  strategy: Strategy;
  /** Maps an error to a Failure. Default: every error is `transient`. */
  classify?: (error: unknown, task: TaskView & { readonly worker: string; readonly resource: R }) => Failure;
  /** Concurrent tasks per kind, e.g. `{ scraping: 5 }`. */
  limits?: Readonly<Record<string, number>>;
  retry?: Partial<RetryOptions>;
  /** Outlier ejection; `false` turns it off. */
  ejection?: Partial<EjectionOptions> | false;
  clock?: Clock;
  random?: Random;
  /** A pino logger; the pool logs through `child({ worker })` loggers. Silent by default. */
  logger?: Logger;
  /** How many recent run latencies feed the percentiles in `snapshot()`. Default 10,000. */
  latencyWindow?: number;
  /**
   * Pool-wide start rates per kind, e.g. `{ sending: { perSecond: 30 } }`: a token bucket that
   * holds up to `burst` starts (default: one second's worth). A task waiting for a token holds
   * no worker. Use it for limits that apply to the whole fleet, not to one worker.
   */
  rates?: Readonly<Record<string, RateLimit>>;
}

export interface RateLimit {
  perSecond: number;
  burst?: number;
}

const defaultEjection: EjectionOptions = {
  consecutiveFailures: 5,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
};

// The seeds' operation metrics always report these kinds, even at zero.
const BASE_KINDS = ['scraping', 'sending', 'monitoring', 'other'] as const;

const EV_STARTED: WorkerEvent = { type: 'TASK_STARTED' };
const EV_FINISHED: WorkerEvent = { type: 'TASK_FINISHED' };

type Worker<R> = WorkerRecord<R, Task<R>>;

/**
 * Create a worker pool. See `PoolOptions` for every option. The pool validates its options
 * and throws a `ValidationError` naming the field when one is wrong.
 */
export function createPool<R = unknown>(options: PoolOptions<R>): Pool<R> {
  return new WorkerPool<R>(options);
}

class WorkerPool<R> implements Pool<R> {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #log: Logger;
  readonly #classify: NonNullable<PoolOptions<R>['classify']> | undefined;
  readonly #limits: ReadonlyMap<string, number>;
  readonly #rates: ReadonlyMap<string, RateLimit>;
  readonly #retry: RetryOptions;
  readonly #ejection: EjectionOptions | undefined;
  #strategy: Strategy;
  #strategySub: Unsubscribable | undefined;

  readonly #events = new Subject<LoadEvent>();
  readonly events$: Observable<LoadEvent> = this.#events.asObservable();
  /** The strategy's own feed, carrying only the event types it declared in `Strategy#events`. */
  #strategyEvents = new Subject<LoadEvent>();
  #strategyWants: ReadonlySet<LoadEvent['type']> | undefined;

  readonly #workers = new Map<string, Worker<R>>();
  /** The ready index: workers that can start a task now. Handed to strategies as it is. */
  readonly #ready: Worker<R>[] & Candidates;
  #readyEpoch = 0;
  readonly #scratch: Worker<R>[] & Candidates;
  #stamp = 0;

  readonly #lanes = new Map<string, Lane<R>>();
  readonly #active: Lane<R>[] = [];
  #nextId = 1;
  #queued = 0;
  #waiting = 0;
  #running = 0;
  #live = 0;
  /** Counters per task kind; each task holds its kind's record, so the hot path does no lookups. */
  readonly #kinds = new Map<string, KindCounters>();
  readonly #latency: LatencyWindow;
  #submitted = 0;
  #succeeded = 0;
  #failed = 0;
  #cancelled = 0;
  #retries = 0;
  #rateLimited = 0;

  #dispatching = false;
  #again = false;
  /** Why the pool is sending the current actor event; undefined when the actor acts on its own (a timer). */
  #reason: string | undefined;
  /** One timer re-runs dispatch when a paced worker or a kind's rate token becomes free. */
  #wakeTimer: unknown;
  #wakeTimerAt = Number.POSITIVE_INFINITY;
  #wakeWanted = Number.POSITIVE_INFINITY;
  /** Every unsettled task, as an intrusive list (no hashing or rehashing on the hot path). */
  #pendingHead: Task<R> | undefined;
  readonly #signals = new Map<AbortSignal, { tasks: Set<Task<R>>; listener: () => void }>();
  #closing = false;
  /** Set once draining is over: nothing new starts. */
  #halted = false;
  #closed = false;
  #closePromise: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: PoolOptions<R>) {
    parseOrThrow(poolOptionsSchema, options, 'options');
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? pino({ level: 'silent' });
    this.#classify = options.classify;
    this.#limits = new Map(Object.entries(options.limits ?? {}));
    this.#rates = new Map(Object.entries(options.rates ?? {}));
    this.#retry = { ...defaultRetry, ...options.retry };
    this.#ejection = options.ejection === false ? undefined : { ...defaultEjection, ...options.ejection };
    this.#latency = new LatencyWindow(options.latencyWindow ?? 10_000);
    const ready = [] as unknown as Worker<R>[] & Candidates;
    ready.has = (w: WorkerView) => (w as Worker<R>).readyPos >= 0;
    this.#ready = ready;
    const scratch = [] as unknown as Worker<R>[] & Candidates;
    scratch.has = (w: WorkerView) => (w as Worker<R>).mark === this.#stamp;
    this.#scratch = scratch;
    this.#strategy = options.strategy;
    this.#observe(options.strategy);
  }

  get strategy(): Strategy {
    return this.#strategy;
  }

  setStrategy(strategy: Strategy): void {
    parseOrThrow(poolOptionsSchema.shape.strategy, strategy, 'strategy');
    this.#strategySub?.unsubscribe();
    this.#strategySub = undefined;
    this.#strategy = strategy;
    this.#observe(strategy);
    // Tell the new strategy (only it: users saw these workers join) who is here, so ring- or
    // map-based strategies can index them.
    if (this.#strategyEvents.observed && (this.#strategyWants?.has('worker-added') ?? true)) {
      for (const w of this.#workers.values()) this.#strategyEvents.next(this.#workerInfo('worker-added', w));
    }
    this.#readyEpoch++;
    this.#dispatch();
  }

  #observe(strategy: Strategy): void {
    this.#strategyEvents.complete();
    this.#strategyEvents = new Subject<LoadEvent>();
    this.#strategyWants = strategy.events === undefined ? undefined : new Set(strategy.events);
    const sub = strategy.observe?.(this.#strategyEvents.asObservable());
    this.#strategySub = sub ?? undefined;
  }

  /** Whether anyone listens for events of this type (so the pool need not build them). */
  #wants(type: LoadEvent['type']): boolean {
    return (
      this.#events.observed ||
      (this.#strategyEvents.observed && (this.#strategyWants === undefined || this.#strategyWants.has(type)))
    );
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
    });
    const w: Worker<R> = new WorkerRecord(
      s.id,
      spec.resource,
      s.capabilities ?? [],
      s.weight ?? 1,
      this.#clock.now(),
      actor,
      this.#log.child({ worker: s.id }),
    );
    this.#workers.set(s.id, w);
    actor.subscribe((snap) => this.#onSnapshot(w, snap));
    actor.start();
    w.snap = actor.getSnapshot();
    this.#emitWorkerInfo('worker-added', w);
    w.log.debug({ capacity: w.capacity }, 'worker added');
    this.#syncReady(w);
    this.#dispatch();
  }

  /** A worker's announced shape: on joining, and after `updateWorker`. */
  #emitWorkerInfo(type: 'worker-added' | 'worker-updated', w: Worker<R>): void {
    if (this.#wants(type)) this.#emit(this.#workerInfo(type, w));
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
    const w = this.#workers.get(id);
    if (w === undefined) return Promise.reject(new UnknownWorkerError(id));
    if (w.whenRemoved) return w.whenRemoved.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    w.whenRemoved = { promise, resolve };
    w.removing = true;
    this.#syncReady(w);
    w.log.debug({ inFlight: w.running.size }, 'removing worker');
    if (w.running.size === 0) this.#finishRemoval(w);
    return promise;
  }

  #finishRemoval(w: Worker<R>): void {
    this.#failPinned(w, 'its worker was removed');
    w.actor.stop();
    this.#workers.delete(w.id);
    this.#emit({ type: 'worker-removed', at: this.#clock.now(), worker: w.id });
    w.log.debug('worker removed');
    w.whenRemoved?.resolve();
  }

  reportConnection(id: string, status: ConnectionReport, reason?: string): void {
    const w = this.#worker(id);
    if (status === 'connected')
      this.#send(w, { type: 'CONNECTION_RESTORED', now: this.#clock.now() }, reason ?? 'reconnected');
    else if (status === 'disconnected')
      this.#send(w, { type: 'CONNECTION_LOST' }, reason ?? 'connection-lost');
    else if (status === 'dead') this.#kill(w, reason ?? 'dead');
    else throw new ValidationError([{ field: 'status', reason: 'must be connected, disconnected or dead' }]);
    this.#dispatch();
  }

  backoffWorker(id: string, ms: number, reason?: string): void {
    const w = this.#worker(id);
    if (!(Number.isFinite(ms) && ms >= 0)) {
      throw new ValidationError([{ field: 'ms', reason: 'must be a finite number ≥ 0' }]);
    }
    this.#send(w, { type: 'RATE_LIMITED', now: this.#clock.now(), retryAfterMs: ms }, reason ?? 'backoff');
  }

  updateWorker(id: string, update: WorkerUpdate): void {
    const w = this.#worker(id);
    const u = parseOrThrow(workerUpdateSchema, update, 'update');
    if (u.capabilities !== undefined) w.capabilities = new Set(u.capabilities);
    if (u.weight !== undefined) w.weight = u.weight;
    if (u.capacity !== undefined) {
      this.#send(w, { type: 'SET_CAPACITY', capacity: u.capacity }, 'capacity-changed');
    }
    this.#emitWorkerInfo('worker-updated', w);
    this.#readyEpoch++;
    this.#dispatch();
  }

  cancelWorkerTasks(id: string): number {
    const w = this.#worker(id);
    const tasks = [...w.running];
    const shared = w.sharedAbort;
    w.sharedAbort = sharedController();
    for (const t of tasks)
      this.#cancel(t, 'aborted', new TaskCancelledError(t.id, `tasks of worker ${w.id} cancelled`));
    shared.abort(new TaskCancelledError(0, `tasks of worker ${w.id} cancelled`));
    return tasks.length;
  }

  workerIds(): string[] {
    return [...this.#workers.keys()];
  }

  getWorker(id: string): WorkerView | undefined {
    return this.#workers.get(id);
  }

  #worker(id: string): Worker<R> {
    const w = this.#workers.get(id);
    if (w === undefined) throw new UnknownWorkerError(id);
    return w;
  }

  #kill(w: Worker<R>, reason: string): void {
    this.#send(w, { type: 'FATAL' }, reason);
    this.#failPinned(w, 'its worker is dead');
  }

  #failPinned(w: Worker<R>, why: string): void {
    for (const t of [...w.pinned]) {
      if (t.state === QUEUED) this.#unqueue(t);
      else if (t.state === WAITING) this.#unwait(t);
      else continue;
      this.#settle(
        t,
        false,
        new TaskFailedError(t.id, 'unknown-outcome', t.attempt - 1, undefined, why),
        'failed',
      );
    }
  }

  /** Send an event to a worker's actor on the pool's behalf, then bring the ready index up to date. */
  #send(w: Worker<R>, event: WorkerEvent, reason: string): void {
    const outer = this.#reason;
    this.#reason = reason;
    try {
      w.actor.send(event);
    } finally {
      this.#reason = outer;
    }
    this.#syncReady(w);
  }

  #onSnapshot(w: Worker<R>, snap: WorkerRecord<R, Task<R>>['snap']): void {
    const prev = w.snap;
    w.snap = snap;
    const from = topState(prev.value);
    const to = topState(snap.value);
    const fromSub = subState(prev.value);
    const toSub = subState(snap.value);
    // A backoff extended in place is reported too, so observers always know when it ends.
    const extended =
      to === 'backoff' && from === 'backoff' && snap.context.backoffUntil !== prev.context.backoffUntil;
    if (from === to && fromSub === toSub && !extended) return;
    const now = this.#clock.now();
    if ((from === 'backoff' || from === 'disconnected') && (to === 'connected' || to === 'busy'))
      w.readySince = now;
    const selfDriven = this.#reason === undefined;
    const reason = this.#reason ?? (from === 'backoff' ? 'backoff-elapsed' : 'timer');
    const backoffMs = to === 'backoff' ? snap.context.backoffMs : undefined;
    if (this.#wants('worker-state')) {
      this.#emit(
        backoffMs === undefined
          ? {
              type: 'worker-state',
              at: now,
              worker: w.id,
              from,
              to,
              reason: toSub === 'dead' ? 'dead' : reason,
            }
          : { type: 'worker-state', at: now, worker: w.id, from, to, reason, backoffMs },
      );
    }
    if (to === 'backoff' || to === 'disconnected' || from === 'backoff' || from === 'disconnected') {
      w.log.debug({ from, to: toSub ? `${to}.${toSub}` : to, reason, backoffMs }, 'worker state');
    }
    if (selfDriven) {
      // The actor moved on its own (its backoff timer fired): it may take work now.
      this.#syncReady(w);
      this.#dispatch();
    }
  }

  #syncReady(w: Worker<R>): void {
    const want = !w.removing && w.state === 'connected';
    const ready = this.#ready;
    if (want && w.readyPos < 0) {
      w.readyPos = ready.length;
      ready.push(w);
      this.#readyEpoch++;
    } else if (!want && w.readyPos >= 0) {
      const last = ready.pop()!;
      if (last !== w) {
        ready[w.readyPos] = last;
        last.readyPos = w.readyPos;
      }
      w.readyPos = -1;
    }
  }

  // ─── tasks ──────────────────────────────────────────────────────────────────

  submit<T>(spec: TaskSpec<R, T>): Promise<T> {
    if (this.#closing) return Promise.reject(new PoolClosedError('the pool is closed: submit refused'));
    let s: TaskSpec<R, T>;
    try {
      s = parseOrThrow(taskSpecSchema, spec, 'task') as TaskSpec<R, T>;
    } catch (error) {
      return Promise.reject(error);
    }
    if (s.signal?.aborted) {
      return Promise.reject(new TaskCancelledError(0, 'its signal was already aborted', s.signal.reason));
    }
    return new Promise<T>((resolve, reject) => {
      const retry = s.retry === undefined ? this.#retry : { ...this.#retry, ...s.retry };
      const task = new Task<R>(
        this.#nextId++,
        s as TaskSpec<R, unknown>,
        retry,
        this.#countersFor(s.kind ?? 'other'),
        resolve as (v: unknown) => void,
        reject,
      );
      this.#submitted++;
      this.#live++;
      task.nextPending = this.#pendingHead;
      if (this.#pendingHead !== undefined) this.#pendingHead.prevPending = task;
      this.#pendingHead = task;
      if (s.signal !== undefined) this.#watchSignal(s.signal, task);
      if (s.timeoutMs !== undefined) {
        const ms = s.timeoutMs;
        task.deadline = this.#clock.setTimeout(() => {
          task.deadline = undefined;
          this.#cancel(task, 'timeout', new TaskTimeoutError(task.id, ms));
        }, ms);
      }
      this.#enqueue(task);
      this.#dispatch();
    });
  }

  #bucketFor(kind: string): TokenBucket | undefined {
    const rate = this.#rates.get(kind);
    return rate === undefined ? undefined : new TokenBucket(rate.perSecond, rate.burst, this.#clock.now());
  }

  /** Run dispatch again at `at` (for pacing and rates), keeping only the earliest wake-up. */
  #wakeAt(at: number): void {
    if (at < this.#wakeWanted) this.#wakeWanted = at;
  }

  #countersFor(kind: string): KindCounters {
    let c = this.#kinds.get(kind);
    if (c === undefined) {
      c = {
        limit: this.#limits.get(kind) ?? Number.POSITIVE_INFINITY,
        bucket: this.#bucketFor(kind),
        running: 0,
        queued: 0,
        completed: 0,
        failed: 0,
      };
      this.#kinds.set(kind, c);
    }
    return c;
  }

  /**
   * One abort listener per signal, however many tasks share it (a bulk operation's thousands
   * of items under one signal would otherwise pile a listener each onto it). It is removed
   * when the last of its tasks settles.
   */
  #watchSignal(signal: AbortSignal, task: Task<R>): void {
    let watch = this.#signals.get(signal);
    if (watch === undefined) {
      const tasks = new Set<Task<R>>();
      const listener = () => {
        this.#signals.delete(signal);
        for (const t of [...tasks]) {
          this.#cancel(t, 'aborted', new TaskCancelledError(t.id, 'its signal aborted', signal.reason));
        }
      };
      watch = { tasks, listener };
      this.#signals.set(signal, watch);
      signal.addEventListener('abort', listener, { once: true });
    }
    watch.tasks.add(task);
  }

  #unwatchSignal(signal: AbortSignal, task: Task<R>): void {
    const watch = this.#signals.get(signal);
    if (watch === undefined) return;
    watch.tasks.delete(task);
    if (watch.tasks.size === 0) {
      signal.removeEventListener('abort', watch.listener);
      this.#signals.delete(signal);
    }
  }

  #laneFor(task: Task<R>): Lane<R> {
    let key = task.kind;
    const constrained = task.constrained;
    if (constrained) {
      const pace = task.spec.pace;
      key += `\u0000${task.requires.join('\u0001')}\u0000${task.antiAffinity.join('\u0001')}\u0000${task.pinned?.id ?? ''}\u0000${pace ? `${pace.key ?? task.kind}\u0001${pace.intervalMs}` : ''}`;
    }
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = {
        key,
        kind: task.kind,
        counters: task.counters,
        constrained,
        queue: new PriorityFifo<Task<R>>(isQueued),
        blockedAt: -1,
        activePos: -1,
      };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #enqueue(task: Task<R>): void {
    const lane = this.#laneFor(task);
    task.state = QUEUED;
    task.lane = lane;
    lane.queue.push(task, task.priority);
    if (lane.activePos < 0) {
      lane.activePos = this.#active.length;
      this.#active.push(lane);
    }
    this.#queued++;
    task.counters.queued++;
    if (this.#wants('task-queued')) {
      this.#emit({
        type: 'task-queued',
        at: this.#clock.now(),
        task: task.id,
        kind: task.kind,
        priority: task.priority,
        attempt: task.attempt,
      });
    }
  }

  #unqueue(task: Task<R>): void {
    task.state = DONE;
    task.lane!.queue.markRemoved();
    this.#queued--;
    task.counters.queued--;
    if (task.lane!.queue.size === 0) this.#dropLane(task.lane!);
  }

  #dropLane(lane: Lane<R>): void {
    if (lane.activePos >= 0) {
      const last = this.#active.pop()!;
      if (last !== lane) {
        this.#active[lane.activePos] = last;
        last.activePos = lane.activePos;
      }
      lane.activePos = -1;
    }
    this.#lanes.delete(lane.key);
  }

  #wait(task: Task<R>, ms: number): void {
    task.state = WAITING;
    this.#waiting++;
    task.timer = this.#clock.setTimeout(() => {
      task.timer = undefined;
      if (task.state !== WAITING) return;
      this.#waiting--;
      this.#enqueue(task);
      this.#dispatch();
    }, ms);
  }

  #unwait(task: Task<R>): void {
    if (task.timer !== undefined) this.#clock.clearTimeout(task.timer);
    task.timer = undefined;
    task.state = DONE;
    this.#waiting--;
  }

  // ─── dispatch ───────────────────────────────────────────────────────────────

  #dispatch(): void {
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#again = false;
        this.#dispatchRound();
      } while (this.#again);
    } finally {
      this.#dispatching = false;
    }
    if (this.#wakeWanted !== Number.POSITIVE_INFINITY) this.#armWakeTimer();
  }

  #dispatchRound(): void {
    if (this.#halted) return;
    const ready = this.#ready;
    const active = this.#active;
    for (;;) {
      if (ready.length === 0 || this.#queued === 0) return;
      let best: Lane<R> | undefined;
      let head: Task<R> | undefined;
      for (let i = 0; i < active.length; i++) {
        const lane = active[i]!;
        if (lane.blockedAt === this.#readyEpoch) continue;
        if (lane.counters.running >= lane.counters.limit) continue;
        const bucket = lane.counters.bucket;
        if (bucket !== undefined) {
          const wait = bucket.waitMs(this.#clock.now());
          if (wait > 0) {
            this.#wakeAt(this.#clock.now() + wait);
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
      const candidates = best.constrained ? this.#filter(head) : ready;
      const w = candidates.length === 0 ? undefined : this.#select(head, candidates);
      if (w === undefined) {
        best.blockedAt = this.#readyEpoch;
        continue;
      }
      best.queue.pop();
      this.#queued--;
      head.counters.queued--;
      if (best.queue.size === 0) this.#dropLane(best);
      this.#start(head, w);
    }
  }

  /** The ready workers this constrained task may run on, as a fresh candidate list. */
  #filter(task: Task<R>): Candidates {
    const stamp = ++this.#stamp;
    const out = this.#scratch;
    out.length = 0;
    const pace = task.spec.pace;
    const paceKey = pace === undefined ? undefined : (pace.key ?? task.kind);
    const now = paceKey === undefined ? 0 : this.#clock.now();
    const pinned = task.pinned;
    for (const w of this.#ready) {
      if (pinned !== undefined && w !== pinned) continue;
      if (!hasAll(w.capabilities, task.requires)) continue;
      if (task.antiAffinity.length > 0 && task.antiAffinity.includes(w.id)) continue;
      if (paceKey !== undefined) {
        const next = w.paceNext?.get(paceKey) ?? 0;
        if (next > now) {
          this.#wakeAt(next);
          continue;
        }
      }
      w.mark = stamp;
      out.push(w);
    }
    return out;
  }

  #select(task: Task<R>, candidates: Candidates): Worker<R> | undefined {
    let w: WorkerView | undefined;
    try {
      w = this.#strategy.select(task, candidates);
    } catch (error) {
      this.#log.error(
        { err: error, strategy: this.#strategy.name },
        'strategy.select threw; using the first candidate',
      );
      return candidates[0] as Worker<R>;
    }
    if (w === undefined) return undefined;
    if (!candidates.has(w)) {
      this.#log.warn(
        { strategy: this.#strategy.name },
        'strategy returned a worker that is not a candidate; using the first candidate',
      );
      return candidates[0] as Worker<R>;
    }
    return w as Worker<R>;
  }

  #armWakeTimer(): void {
    const at = this.#wakeWanted;
    this.#wakeWanted = Number.POSITIVE_INFINITY;
    if (this.#closed || at >= this.#wakeTimerAt) return;
    if (this.#wakeTimer !== undefined) this.#clock.clearTimeout(this.#wakeTimer);
    this.#wakeTimerAt = at;
    this.#wakeTimer = this.#clock.setTimeout(
      () => {
        this.#wakeTimer = undefined;
        this.#wakeTimerAt = Number.POSITIVE_INFINITY;
        this.#readyEpoch++;
        this.#dispatch();
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  #start(task: Task<R>, w: Worker<R>): void {
    const now = this.#clock.now();
    task.state = RUNNING;
    task.worker = w;
    task.startedAt = now;
    const token = ++task.runToken;
    this.#running++;
    task.counters.running++;
    task.counters.bucket?.take(now);
    w.running.add(task);
    const pace = task.spec.pace;
    if (pace !== undefined) {
      w.paceNext ??= new Map();
      w.paceNext.set(pace.key ?? task.kind, now + pace.intervalMs);
    }
    if (w.releasing === 1) {
      // The slot passes straight from the finished task to this one: the actor's in-flight
      // count and state are unchanged, so no event is needed.
      w.releasing = 0;
      this.#syncReady(w);
    } else {
      this.#send(w, EV_STARTED, 'capacity');
    }
    if (this.#wants('task-assigned')) {
      this.#emit({
        type: 'task-assigned',
        at: now,
        task: task.id,
        kind: task.kind,
        worker: w.id,
        attempt: task.attempt,
      });
    }
    let signal: AbortSignal;
    const spec = task.spec;
    if (spec.signal !== undefined || spec.timeoutMs !== undefined || spec.attemptTimeoutMs !== undefined) {
      task.controller = new AbortController();
      signal = task.controller.signal;
    } else {
      task.controller = undefined;
      signal = w.sharedAbort.signal;
    }
    if (spec.attemptTimeoutMs !== undefined) {
      const ms = spec.attemptTimeoutMs;
      task.attemptTimer = this.#clock.setTimeout(() => {
        task.attemptTimer = undefined;
        if (task.runToken !== token || task.state !== RUNNING) return;
        const error = new AttemptTimeoutError(ms);
        task.controller?.abort(error);
        this.#onFailure(task, token, error);
      }, ms);
    }
    let result: unknown;
    try {
      result = spec.run({
        worker: w.id,
        resource: w.resource,
        signal,
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
    this.#latency.add(latencyMs);
    this.#succeeded++;
    task.counters.completed++;
    if (this.#wants('task-succeeded')) {
      this.#emit({
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
    w.stats.failure(failure.kind === 'rate-limited');
    this.#endRun(task);
    let willRetry: boolean;
    let why = '';
    let requeueAfter = 0; // ms; 0 = at once
    switch (failure.kind) {
      case 'rate-limited': {
        this.#rateLimited++;
        task.rateLimitWaitMs += failure.retryAfterMs;
        willRetry = task.rateLimitWaitMs <= task.retry.maxRateLimitWaitMs;
        why = 'rate-limit waits exceeded maxRateLimitWaitMs';
        if (failure.scope === 'task') requeueAfter = failure.retryAfterMs;
        else this.#send(w, { type: 'RATE_LIMITED', now, retryAfterMs: failure.retryAfterMs }, 'rate-limited');
        break;
      }
      case 'transient': {
        task.retriesUsed++;
        willRetry = task.retriesUsed <= task.retry.retries;
        why = 'retries exhausted';
        if (willRetry) requeueAfter = retryDelay(task.retriesUsed, task.retry, this.#random);
        break;
      }
      case 'unknown-outcome': {
        task.retriesUsed++;
        willRetry =
          task.spec.idempotent === true && task.retriesUsed <= task.retry.retries && !w.dead && !w.removing;
        why =
          task.spec.idempotent === true
            ? 'retries exhausted or its worker is gone'
            : 'the task is not idempotent';
        if (willRetry) {
          requeueAfter = retryDelay(task.retriesUsed, task.retry, this.#random);
          if (task.pinned !== w) {
            task.pinned?.pinned.delete(task);
            task.pinned = w;
            w.pinned.add(task);
          }
        }
        break;
      }
      case 'worker-fatal': {
        // A task pinned here after an unknown outcome must not move: its effect may have happened here.
        willRetry = task.pinned !== w;
        why = 'its earlier outcome is unknown and its worker died';
        this.#kill(w, 'worker-fatal');
        break;
      }
      default: {
        willRetry = false;
        why = 'permanent';
      }
    }
    if (
      (failure.kind === 'transient' || failure.kind === 'unknown-outcome') &&
      this.#ejection !== undefined
    ) {
      this.#maybeEject(w, now);
    }
    if (this.#wants('task-failed')) {
      const event = {
        type: 'task-failed',
        at: now,
        task: task.id,
        kind: task.kind,
        worker: w.id,
        attempt: task.attempt,
        latencyMs,
        failure: failure.kind,
        willRetry,
      } as const;
      this.#emit(failure.kind === 'rate-limited' ? { ...event, retryAfterMs: failure.retryAfterMs } : event);
    }
    if (!willRetry) {
      task.counters.failed++;
      this.#settle(
        task,
        false,
        new TaskFailedError(task.id, failure.kind, task.attempt, error, why),
        'failed',
      );
    } else {
      if (failure.kind !== 'rate-limited') {
        task.attempt++;
        this.#retries++;
      }
      if (requeueAfter > 0) this.#wait(task, requeueAfter);
      else this.#enqueue(task);
    }
    this.#release(w);
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

  #maybeEject(w: Worker<R>, now: number): void {
    const e = this.#ejection!;
    if (w.stats.consecutiveFailures < e.consecutiveFailures || w.dead) return;
    const ms = Math.min(e.maxEjectionMs, e.baseEjectionMs * 2 ** w.stats.ejections);
    w.stats.ejections++;
    w.stats.consecutiveFailures = 0;
    w.log.warn({ ms, failures: e.consecutiveFailures }, 'outlier ejected into backoff');
    this.#send(w, { type: 'RATE_LIMITED', now, retryAfterMs: ms }, 'ejected');
  }

  /** The run is over (whatever its outcome): stop its timers and detach it from its worker. */
  #endRun(task: Task<R>): void {
    if (task.attemptTimer !== undefined) {
      this.#clock.clearTimeout(task.attemptTimer);
      task.attemptTimer = undefined;
    }
    task.controller = undefined;
    this.#running--;
    task.counters.running--;
    task.worker!.running.delete(task);
    task.worker = undefined;
    task.state = DONE;
  }

  /**
   * A slot on `w` is free. If work is queued, offer it with this slot counted as free; if the
   * strategy gives the next task to `w` itself, the slot passes on with no actor event at all.
   */
  #release(w: Worker<R>): void {
    const v = w.snap.value;
    if (this.#queued > 0 && !this.#dispatching && !w.removing && (v === 'busy' || v === 'connected')) {
      w.releasing = 1;
      this.#syncReady(w);
      this.#dispatch();
      if (w.releasing === 1) {
        w.releasing = 0;
        this.#send(w, EV_FINISHED, 'slot-freed');
      }
    } else {
      this.#send(w, EV_FINISHED, 'slot-freed');
      if (this.#queued > 0) this.#dispatch();
    }
    if (w.removing && w.running.size === 0 && this.#workers.get(w.id) === w) this.#finishRemoval(w);
  }

  #cancel(task: Task<R>, reason: 'aborted' | 'timeout' | 'closed', error: SwitchyardError): void {
    const state = task.state;
    if (state === DONE) return;
    const w = task.worker;
    if (state === QUEUED) this.#unqueue(task);
    else if (state === WAITING) this.#unwait(task);
    else {
      task.runToken++;
      task.controller?.abort(error);
      this.#endRun(task);
    }
    if (this.#wants('task-cancelled')) {
      this.#emit(
        w === undefined
          ? { type: 'task-cancelled', at: this.#clock.now(), task: task.id, kind: task.kind, reason }
          : {
              type: 'task-cancelled',
              at: this.#clock.now(),
              task: task.id,
              kind: task.kind,
              worker: w.id,
              reason,
            },
      );
    }
    this.#cancelled++;
    this.#settle(task, false, error, 'cancelled');
    if (w !== undefined) this.#release(w);
  }

  #settle(task: Task<R>, ok: boolean, value: unknown, how: 'failed' | 'cancelled' | undefined): void {
    task.state = DONE;
    if (task.deadline !== undefined) {
      this.#clock.clearTimeout(task.deadline);
      task.deadline = undefined;
    }
    if (task.spec.signal !== undefined) this.#unwatchSignal(task.spec.signal, task);
    if (task.pinned !== undefined) {
      task.pinned.pinned.delete(task);
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
      if (how === 'failed') this.#failed++;
      task.reject(value);
    }
    if (this.#live === 0 && this.#drained !== undefined) this.#drained();
  }

  // ─── observability ──────────────────────────────────────────────────────────

  #emit(event: LoadEvent): void {
    if (this.#closed) return;
    if (
      this.#strategyEvents.observed &&
      (this.#strategyWants === undefined || this.#strategyWants.has(event.type))
    ) {
      this.#strategyEvents.next(event);
    }
    this.#events.next(event);
  }

  snapshot(): PoolSnapshot {
    const workers: WorkerSnapshot[] = [];
    for (const w of this.#workers.values()) {
      const state: WorkerState = w.state;
      const sub = subState(w.snap.value);
      const base = {
        id: w.id,
        state,
        inFlight: w.inFlight,
        capacity: w.capacity,
        capabilities: [...w.capabilities],
        weight: w.weight,
        removing: w.removing,
        stats: w.stats.view(),
      };
      const extra: { substate?: 'reconnecting' | 'dead'; backoffUntil?: number } = {};
      if (sub !== undefined) extra.substate = sub;
      if (state === 'backoff') extra.backoffUntil = w.snap.context.backoffUntil;
      workers.push({ ...base, ...extra });
    }
    const byKind = (field: 'running' | 'queued' | 'completed' | 'failed') => {
      const out: Record<string, number> = {};
      for (const k of BASE_KINDS) out[k] = 0;
      for (const [k, c] of this.#kinds) out[k] = c[field];
      return out;
    };
    return {
      workers,
      queued: this.#queued + this.#waiting,
      inFlight: this.#running,
      metrics: {
        inFlightByKind: byKind('running'),
        queuedByKind: byKind('queued'),
        completedByKind: byKind('completed'),
        failedByKind: byKind('failed'),
        submitted: this.#submitted,
        succeeded: this.#succeeded,
        failed: this.#failed,
        cancelled: this.#cancelled,
        retries: this.#retries,
        rateLimited: this.#rateLimited,
        latency: this.#latency.percentiles(),
      },
      closed: this.#closed,
    };
  }

  // ─── shutdown ───────────────────────────────────────────────────────────────

  #assertOpen(what: string): void {
    if (this.#closing) throw new PoolClosedError(`the pool is closed: ${what} refused`);
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closePromise ??= this.#close(parseOrThrow(closeOptionsSchema, options, 'close'));
    return this.#closePromise;
  }

  async #close(options: CloseOptions): Promise<void> {
    this.#closing = true;
    const drain = options.drain ?? true;
    if (drain && this.#live > 0) {
      await new Promise<void>((resolve) => {
        let timer: unknown;
        this.#drained = () => {
          if (timer !== undefined) this.#clock.clearTimeout(timer);
          resolve();
        };
        if (options.timeoutMs !== undefined) {
          timer = this.#clock.setTimeout(() => resolve(), options.timeoutMs);
        }
      });
      this.#drained = undefined;
    }
    // Whatever is left is cancelled: queued and waiting tasks, and runs (their signals abort).
    this.#halted = true;
    const left: Task<R>[] = [];
    for (let t = this.#pendingHead; t !== undefined; t = t.nextPending) left.push(t);
    for (const task of left) {
      this.#cancel(task, 'closed', new TaskCancelledError(task.id, 'the pool closed'));
    }
    for (const w of this.#workers.values()) w.sharedAbort.abort(new PoolClosedError());
    if (this.#wakeTimer !== undefined) this.#clock.clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    this.#strategySub?.unsubscribe();
    this.#strategySub = undefined;
    for (const w of this.#workers.values()) {
      w.actor.stop();
      w.whenRemoved?.resolve();
    }
    this.#closed = true;
    this.#strategyEvents.complete();
    this.#events.complete();
  }
}

function hasAll(set: ReadonlySet<string>, required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) if (!set.has(required[i]!)) return false;
  return true;
}
