import { getEventListeners } from 'node:events';
import {
  type CloseOptions,
  createPool,
  type Failure,
  type LoadEvent,
  type Pool,
  type RunContext,
  seededRandom,
  TaskCancelledError,
  TaskFailedError,
  TaskTimeoutError,
  VirtualClock,
  type WorkerState,
} from '@switchyard/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FailsAs, sleep } from './helpers.js';

// A model-based test: fast-check drives a pool with random commands (workers joining, leaving,
// failing, backing off and changing capacity; tasks with scripted outcomes; aborts; time
// passing) and checks every invariant after every command. The test side records every run
// and every event, and knows from its own script and from `classify` what the pool was told.

const NUM_RUNS = Number(process.env.POOL_MODEL_RUNS ?? 10_000);
const SEED = 0x5eed;
// Modest scenarios keep 10,000 of them under about a minute on a small machine.
const MAX_COMMANDS = 30;
const MAX_WORKERS = 5;

const CAPABILITIES = ['a', 'b'] as const;
const LIMITS: Readonly<Record<string, number>> = { scrape: 2, send: 1 };
const KINDS = ['scrape', 'send', 'other'] as const;
type Kind = (typeof KINDS)[number];

// ─── what a run does ──────────────────────────────────────────────────────────

type Step =
  | { readonly do: 'ok'; readonly ms: number }
  | { readonly do: 'fail'; readonly ms: number; readonly failure: Failure }
  /** Never settles until its signal aborts. */
  | { readonly do: 'hang' }
  /** Reports its own worker dead from inside `run`, then succeeds. */
  | { readonly do: 'kill-own-worker'; readonly ms: number };

const ms = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 }));
const waitMs = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 }));
const failStep = (failure: fc.Arbitrary<Failure>): fc.Arbitrary<Step> =>
  fc.record({ do: fc.constant('fail' as const), ms, failure });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ do: fc.constant('ok' as const), ms }) },
  { weight: 2, arbitrary: failStep(fc.constant({ kind: 'transient' })) },
  {
    weight: 1,
    arbitrary: failStep(
      fc.record({ kind: fc.constant('rate-limited'), retryAfterMs: waitMs, scope: fc.constant('worker') }),
    ),
  },
  {
    weight: 1,
    arbitrary: failStep(
      fc.record({ kind: fc.constant('rate-limited'), retryAfterMs: waitMs, scope: fc.constant('task') }),
    ),
  },
  { weight: 1, arbitrary: failStep(fc.constant({ kind: 'permanent' })) },
  { weight: 1, arbitrary: failStep(fc.constant({ kind: 'worker-fatal' })) },
  { weight: 1, arbitrary: failStep(fc.constant({ kind: 'unknown-outcome' })) },
  { weight: 1, arbitrary: fc.constant({ do: 'hang' as const }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('kill-own-worker' as const), ms }) },
);

/** After its script, a task's runs succeed. */
const AFTER_SCRIPT: Step = { do: 'ok', ms: 10 };

interface TaskPlan {
  readonly kind: Kind;
  readonly priority: number;
  readonly requires: readonly string[];
  readonly idempotent: boolean;
  readonly timeoutMs: number | undefined;
  readonly attemptTimeoutMs: number | undefined;
  /** Its own AbortController, one shared with other tasks, or none. */
  readonly signal: 'own' | 'shared' | 'none';
  /** Per-worker pacing, shared by every task with the same key. */
  readonly pace: { readonly key: string; readonly intervalMs: number } | undefined;
  readonly script: readonly Step[];
}

const taskPlanArb: fc.Arbitrary<TaskPlan> = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    priority: fc.integer({ min: 0, max: 2 }),
    requires: fc.subarray([...CAPABILITIES], { maxLength: 1 }),
    idempotent: fc.boolean(),
    timeoutMs: fc.option(fc.integer({ min: 1, max: 8000 }), { nil: undefined }),
    attemptTimeoutMs: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
    signal: fc.constantFrom('own' as const, 'shared' as const, 'none' as const),
    pace: fc.option(
      fc.record({ key: fc.constantFrom('a', 'b'), intervalMs: fc.integer({ min: 0, max: 3000 }) }),
      { nil: undefined, freq: 3 },
    ),
    script: fc.array(stepArb, { maxLength: 4 }),
  })
  // Every task can be ended by the test (its signal) or by time (its timeout), so a draining
  // close always finishes.
  .map((t) => (t.signal === 'none' && t.timeoutMs === undefined ? { ...t, signal: 'own' as const } : t));

// ─── the test side's record of the world ──────────────────────────────────────

interface WorkerRec {
  readonly id: string;
  capacity: number;
  readonly capabilities: readonly string[];
  readonly running: Set<RunRec>;
  removeCalled: boolean;
  removed: boolean;
  dead: boolean;
  disconnected: boolean;
  /** No run may start here before this clock time (panic mode may bring it forward to `heldUntil`). */
  backoffUntil: number;
  /** End of the latest rate limit or `backoffWorker` wait: nothing, not even panic mode, cuts it. */
  heldUntil: number;
  /** The last `to` of its worker-state events. */
  lastState: WorkerState;
}

interface TaskRec {
  readonly index: number;
  readonly plan: TaskPlan;
  poolId: number | undefined;
  calls: number;
  settled: 'resolved' | 'failed' | 'cancelled' | 'timeout' | 'other' | undefined;
  /** Where its run failed with an unknown outcome, if one did. */
  unknownOn: string | undefined;
  /** Values its successful runs returned. */
  readonly returned: unknown[];
}

interface RunRec {
  readonly task: TaskRec;
  ended: boolean;
}

type CloseState = 'open' | 'draining' | 'aborting' | 'closed';

class World {
  readonly clock = new VirtualClock();
  readonly pool: Pool<string>;
  readonly violations: string[] = [];
  readonly workers = new Map<string, WorkerRec>();
  readonly tasks: TaskRec[] = [];
  readonly controllers: AbortController[] = [];
  shared: AbortController | undefined;
  readonly removals: { id: string; settled: boolean }[] = [];
  readonly terminal = new Map<number, string[]>();
  readonly errorTask = new WeakMap<Error, TaskRec>();
  closeState: CloseState = 'open';
  eventsCompleted = false;
  /** Panic mode as its last `panic-mode` event said. */
  panic = false;
  panicModes = 0;

  constructor(seed: number) {
    const pick = seededRandom(seed);
    this.pool = createPool<string>({
      strategy: {
        name: 'random',
        select: (_task, candidates) => candidates[Math.floor(pick() * candidates.length)],
      },
      clock: this.clock,
      random: seededRandom(seed ^ 0x5eed),
      classify: (error, task) => this.classify(error, task.worker),
      limits: LIMITS,
      retry: { retries: 2, minTimeoutMs: 100, maxTimeoutMs: 1000, maxRateLimitWaitMs: 8000 },
      // Half the runs let every worker be ejected, and half eject on a single failure, so panic
      // mode comes and goes and lifts ejections, rate-limited workers' among them.
      ejection: {
        consecutiveFailures: (seed >> 1) % 2 === 0 ? 3 : 1,
        baseEjectionMs: 500,
        maxEjectionMs: 2000,
        maxEjectionPercent: seed % 2 === 0 ? 50 : 100,
      },
    });
    this.pool.events$.subscribe({
      next: (e) => this.onEvent(e),
      complete: () => {
        this.eventsCompleted = true;
      },
    });
  }

  violate(what: string): void {
    this.violations.push(`@${this.clock.now()} ${what}`);
  }

  /** Throws with every violation seen so far, so fast-check reports (and shrinks) the command path. */
  assertClean(): void {
    if (this.violations.length > 0) throw new Error(`invariants broken:\n  ${this.violations.join('\n  ')}`);
  }

  // ─── commands ──────────────────────────────────────────────────────────────

  addWorker(id: string, capacity: number, capabilities: readonly string[]): void {
    this.workers.set(id, {
      id,
      capacity,
      capabilities,
      running: new Set(),
      removeCalled: false,
      removed: false,
      dead: false,
      disconnected: false,
      backoffUntil: Number.NEGATIVE_INFINITY,
      heldUntil: Number.NEGATIVE_INFINITY,
      lastState: 'connected',
    });
    this.pool.addWorker({ id, resource: `resource of ${id}`, capacity, capabilities });
  }

  removeWorker(id: string): void {
    const w = this.workers.get(id)!;
    w.removeCalled = true;
    const removal = { id, settled: false };
    this.removals.push(removal);
    this.pool.removeWorker(id).then(
      () => {
        removal.settled = true;
        w.removed = true;
        if (w.running.size > 0)
          this.violate(`removeWorker(${id}) resolved with ${w.running.size} run(s) going`);
      },
      (error: unknown) => {
        removal.settled = true;
        this.violate(`removeWorker(${id}) rejected: ${String(error)}`);
      },
    );
  }

  reportConnection(id: string, status: 'connected' | 'disconnected' | 'dead'): void {
    const w = this.workers.get(id)!;
    if (status === 'dead') w.dead = true;
    else w.disconnected = status === 'disconnected';
    this.pool.reportConnection(id, status);
  }

  backoffWorker(id: string, ms: number): void {
    const w = this.workers.get(id)!;
    w.backoffUntil = Math.max(w.backoffUntil, this.clock.now() + ms);
    w.heldUntil = Math.max(w.heldUntil, this.clock.now() + ms);
    this.pool.backoffWorker(id, ms);
  }

  updateCapacity(id: string, capacity: number): void {
    this.workers.get(id)!.capacity = capacity;
    this.pool.updateWorker(id, { capacity });
  }

  cancelWorkerTasks(id: string): void {
    const running = this.workers.get(id)!.running.size;
    const n = this.pool.cancelWorkerTasks(id);
    if (n !== running) this.violate(`cancelWorkerTasks(${id}) returned ${n}, ${running} were running`);
  }

  abort(index: number): void {
    this.controllers[index]!.abort();
  }

  submit(plan: TaskPlan): void {
    const rec: TaskRec = {
      index: this.tasks.length,
      plan,
      poolId: undefined,
      calls: 0,
      settled: undefined,
      unknownOn: undefined,
      returned: [],
    };
    this.tasks.push(rec);
    let signal: AbortSignal | undefined;
    if (plan.signal === 'own') signal = this.newController().signal;
    else if (plan.signal === 'shared') {
      if (this.shared === undefined || this.shared.signal.aborted) this.shared = this.newController();
      signal = this.shared.signal;
    }
    const promise = this.pool.submit({
      kind: plan.kind,
      priority: plan.priority,
      requires: plan.requires,
      idempotent: plan.idempotent,
      ...(signal === undefined ? {} : { signal }),
      ...(plan.timeoutMs === undefined ? {} : { timeoutMs: plan.timeoutMs }),
      ...(plan.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: plan.attemptTimeoutMs }),
      ...(plan.pace === undefined ? {} : { pace: plan.pace }),
      run: (ctx) => this.run(rec, ctx),
    });
    promise.then(
      (value) => this.settle(rec, 'resolved', value),
      (error: unknown) => {
        if (error instanceof TaskFailedError) this.settle(rec, 'failed', error, error.taskId);
        else if (error instanceof TaskTimeoutError) this.settle(rec, 'timeout', error, error.taskId);
        else if (error instanceof TaskCancelledError) this.settle(rec, 'cancelled', error, error.taskId);
        else this.settle(rec, 'other', error);
      },
    );
  }

  newController(): AbortController {
    const c = new AbortController();
    this.controllers.push(c);
    return c;
  }

  // ─── what the pool does to the test side ───────────────────────────────────

  settle(rec: TaskRec, how: NonNullable<TaskRec['settled']>, value: unknown, poolId?: number): void {
    if (rec.settled !== undefined) this.violate(`task ${rec.index} settled twice`);
    rec.settled = how;
    if (poolId !== undefined) this.learnId(rec, poolId);
    if (how === 'other') this.violate(`task ${rec.index} rejected with ${String(value)}`);
    if (how === 'resolved' && !rec.returned.includes(value))
      this.violate(`task ${rec.index} resolved with a value none of its runs returned`);
  }

  learnId(rec: TaskRec, poolId: number): void {
    if (rec.poolId !== undefined && rec.poolId !== poolId)
      this.violate(`task ${rec.index} has pool ids ${rec.poolId} and ${poolId}`);
    rec.poolId = poolId;
  }

  run(rec: TaskRec, ctx: RunContext<string>): Promise<unknown> {
    const w = this.workers.get(ctx.worker);
    const at = `task ${rec.index} attempt ${ctx.attempt} on ${ctx.worker}`;
    this.learnId(rec, ctx.taskId);
    if (w === undefined) {
      this.violate(`${at}: not a worker of this pool`);
      return Promise.resolve(undefined);
    }
    const now = this.clock.now();
    if (ctx.resource !== `resource of ${w.id}`) this.violate(`${at}: given another worker's resource`);
    if (rec.settled !== undefined || this.terminal.has(ctx.taskId))
      this.violate(`${at}: the task had settled`);
    if (this.closeState === 'closed' || this.closeState === 'aborting') this.violate(`${at}: after close`);
    if (w.removeCalled) this.violate(`${at}: the worker is being removed`);
    if (w.dead) this.violate(`${at}: the worker is dead`);
    else if (w.disconnected) this.violate(`${at}: the worker is disconnected`);
    if (w.lastState === 'backoff' || w.lastState === 'disconnected')
      this.violate(`${at}: its last worker-state event said ${w.lastState}`);
    if (now < w.backoffUntil) this.violate(`${at}: the worker backs off until ${w.backoffUntil}`);
    if (now < w.heldUntil) this.violate(`${at}: the worker is held until ${w.heldUntil}`);
    for (const cap of rec.plan.requires)
      if (!w.capabilities.includes(cap)) this.violate(`${at}: the worker lacks ${cap}`);
    if (rec.unknownOn !== undefined) {
      if (!rec.plan.idempotent) this.violate(`${at}: run again after an unknown outcome, not idempotent`);
      else if (rec.unknownOn !== w.id)
        this.violate(`${at}: moved off ${rec.unknownOn} after an unknown outcome`);
    }
    if (w.running.size + 1 > w.capacity)
      this.violate(`${at}: ${w.running.size + 1} running on a worker of capacity ${w.capacity}`);
    const limit = LIMITS[rec.plan.kind];
    const ofKind = this.runningOfKind(rec.plan.kind);
    if (limit !== undefined && ofKind + 1 > limit)
      this.violate(`${at}: ${ofKind + 1} ${rec.plan.kind} tasks running, limit ${limit}`);
    if (ctx.signal.aborted) this.violate(`${at}: started with an aborted signal`);

    const run: RunRec = { task: rec, ended: false };
    w.running.add(run);
    // The pool may reuse the slot as soon as it aborts the run, before the run's promise settles.
    const end = () => {
      if (run.ended) return;
      run.ended = true;
      w.running.delete(run);
      ctx.signal.removeEventListener('abort', end);
    };
    ctx.signal.addEventListener('abort', end, { once: true });

    const step = rec.plan.script[rec.calls++] ?? AFTER_SCRIPT;
    let outcome: Promise<unknown>;
    if (step.do === 'hang') {
      outcome = new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
    } else {
      if (step.do === 'kill-own-worker') {
        w.dead = true;
        try {
          this.pool.reportConnection(w.id, 'dead');
        } catch (error) {
          this.violate(`${at}: reportConnection from inside run threw ${String(error)}`);
        }
      }
      const value = `${rec.index}/${ctx.attempt}/${rec.calls}`;
      outcome = sleep(this.clock, step.ms, ctx.signal).then(() => {
        if (step.do === 'fail') {
          const error = new FailsAs(step.failure);
          this.errorTask.set(error, rec);
          throw error;
        }
        rec.returned.push(value);
        return value;
      });
    }
    // Registered before the pool sees the promise, so the test side counts the run ended first.
    outcome.then(end, end);
    return outcome;
  }

  runningOfKind(kind: string): number {
    let n = 0;
    for (const w of this.workers.values()) for (const r of w.running) if (r.task.plan.kind === kind) n++;
    return n;
  }

  /** The pool's `classify`: what it is told here is what it must act on. */
  classify(error: unknown, workerId: string): Failure {
    if (!(error instanceof FailsAs)) return { kind: 'transient' };
    const failure = error.failure;
    const w = this.workers.get(workerId);
    const rec = this.errorTask.get(error);
    if (w !== undefined) {
      if (failure.kind === 'worker-fatal') w.dead = true;
      if (failure.kind === 'rate-limited' && failure.scope !== 'task' && !w.dead) {
        w.backoffUntil = Math.max(w.backoffUntil, this.clock.now() + failure.retryAfterMs);
        w.heldUntil = Math.max(w.heldUntil, this.clock.now() + failure.retryAfterMs);
      }
    }
    if (failure.kind === 'unknown-outcome' && rec !== undefined) rec.unknownOn ??= workerId;
    return failure;
  }

  onEvent(e: LoadEvent): void {
    if (this.eventsCompleted) this.violate(`event ${e.type} after events$ completed`);
    switch (e.type) {
      case 'worker-state': {
        const w = this.workers.get(e.worker);
        if (w === undefined) break;
        if (e.reason === 'panic') {
          // Panic mode brings an ejection's end forward, to now or to the end of a rate limit.
          const until = e.to === 'backoff' ? e.at + (e.backoffMs ?? 0) : e.at;
          if (!this.panic) this.violate(`${e.worker} let in by panic mode outside panic mode`);
          if (until < w.heldUntil)
            this.violate(`panic mode cut ${e.worker}'s wait, held until ${w.heldUntil}`);
          w.backoffUntil = until;
        } else if (e.to === 'backoff' && e.backoffMs !== undefined)
          w.backoffUntil = Math.max(w.backoffUntil, e.at + e.backoffMs);
        if (e.from === 'backoff' && (e.to === 'connected' || e.to === 'busy') && e.at !== w.backoffUntil)
          this.violate(`${e.worker} left backoff at ${e.at}, its backoff ends at ${w.backoffUntil}`);
        w.lastState = e.to;
        break;
      }
      case 'panic-mode':
        if (e.active === this.panic) this.violate(`panic-mode ${e.active} twice in a row`);
        this.panic = e.active;
        this.panicModes++;
        break;
      case 'ejection-refused':
        if (e.ejected < e.maxEjected) this.violate(`ejection of ${e.worker} refused below the cap`);
        break;
      case 'task-succeeded':
        this.terminalEvent(e.task, 'succeeded');
        break;
      case 'task-failed':
        if (!e.willRetry) this.terminalEvent(e.task, 'failed');
        break;
      case 'task-cancelled':
        this.terminalEvent(e.task, e.reason === 'timeout' ? 'timeout' : 'cancelled');
        break;
      default:
    }
  }

  terminalEvent(task: number, what: string): void {
    const seen = this.terminal.get(task) ?? [];
    seen.push(what);
    this.terminal.set(task, seen);
    if (seen.length > 1) this.violate(`task id ${task} ended twice: ${seen.join(', ')}`);
  }

  // ─── the invariants checked after every command ────────────────────────────

  checkSnapshot(): void {
    const snap = this.pool.snapshot();
    const now = this.clock.now();
    let running = 0;
    const byKind = new Map<
      string,
      { running: number; unsettled: number; completed: number; failed: number }
    >();
    const kindOf = (k: string) => {
      let c = byKind.get(k);
      if (c === undefined) {
        c = { running: 0, unsettled: 0, completed: 0, failed: 0 };
        byKind.set(k, c);
      }
      return c;
    };
    for (const w of this.workers.values()) for (const r of w.running) kindOf(r.task.plan.kind).running++;
    for (const w of this.workers.values()) running += w.running.size;
    let settled = 0;
    const count = { resolved: 0, failed: 0, cancelled: 0 };
    for (const t of this.tasks) {
      const k = kindOf(t.plan.kind);
      if (t.settled === undefined) k.unsettled++;
      else settled++;
      if (t.settled === 'resolved') {
        count.resolved++;
        k.completed++;
      } else if (t.settled === 'failed') {
        count.failed++;
        k.failed++;
      } else if (t.settled === 'cancelled' || t.settled === 'timeout') count.cancelled++;
    }
    const unsettled = this.tasks.length - settled;
    const expect = (what: string, actual: unknown, expected: unknown) => {
      if (actual !== expected)
        this.violate(`snapshot ${what} is ${String(actual)}, expected ${String(expected)}`);
    };
    expect('inFlight', snap.inFlight, running);
    expect('queued', snap.queued, unsettled - running);
    expect('metrics.submitted', snap.metrics.submitted, this.tasks.length);
    expect('metrics.succeeded', snap.metrics.succeeded, count.resolved);
    expect('metrics.failed', snap.metrics.failed, count.failed);
    expect('metrics.cancelled', snap.metrics.cancelled, count.cancelled);
    if (this.closeState !== 'closed') {
      expect('ejection.panic', snap.ejection.panic, this.panic);
      let counted = 0;
      for (const w of this.workers.values()) if (!w.dead && !w.removeCalled) counted++;
      expect('ejection.workers', snap.ejection.workers, counted);
      if (snap.ejection.healthy + snap.ejection.ejected > counted)
        this.violate(
          `snapshot ejection counts ${snap.ejection.healthy} healthy and ${snap.ejection.ejected} ejected of ${counted}`,
        );
    }
    for (const [kind, c] of byKind) {
      expect(`inFlightByKind.${kind}`, snap.metrics.inFlightByKind[kind] ?? 0, c.running);
      // queuedByKind may leave out tasks waiting on a retry timer; it never counts more than wait.
      const queued = snap.metrics.queuedByKind[kind] ?? 0;
      if (queued > c.unsettled - c.running)
        this.violate(`snapshot queuedByKind.${kind} is ${queued}, only ${c.unsettled - c.running} wait`);
      expect(`completedByKind.${kind}`, snap.metrics.completedByKind[kind] ?? 0, c.completed);
      expect(`failedByKind.${kind}`, snap.metrics.failedByKind[kind] ?? 0, c.failed);
    }
    const present = new Set<string>();
    for (const s of snap.workers) {
      present.add(s.id);
      const w = this.workers.get(s.id);
      if (w === undefined) {
        this.violate(`snapshot has unknown worker ${s.id}`);
        continue;
      }
      if (w.removed) this.violate(`snapshot still has removed worker ${s.id}`);
      expect(`${s.id}.inFlight`, s.inFlight, w.running.size);
      expect(`${s.id}.capacity`, s.capacity, w.capacity);
      expect(`${s.id} is dead`, s.substate === 'dead', w.dead);
      if (!w.dead && w.disconnected) expect(`${s.id}.substate`, s.substate, 'reconnecting');
      if (!w.dead && !w.disconnected && s.state === 'disconnected') this.violate(`${s.id} is disconnected`);
      if (s.state === 'backoff' && this.closeState !== 'closed') {
        expect(`${s.id}.backoffUntil`, s.backoffUntil, w.backoffUntil);
        if (!(w.backoffUntil > now))
          this.violate(`${s.id} is still in backoff, which ended at ${w.backoffUntil}`);
      }
      if (this.closeState !== 'closed') expect(`${s.id}.state vs its events`, s.state, w.lastState);
    }
    for (const w of this.workers.values())
      if (!w.removed && !present.has(w.id) && this.closeState !== 'closed')
        this.violate(`snapshot lacks worker ${w.id}`);
    // An idempotent task pinned after an unknown outcome can never run again once its worker is
    // dead or gone: it must have failed, unless a run of it is still going there.
    for (const t of this.tasks) {
      const w = t.unknownOn === undefined ? undefined : this.workers.get(t.unknownOn);
      if (t.settled !== undefined || w === undefined || !(w.dead || w.removed)) continue;
      if (![...w.running].some((r) => r.task === t))
        this.violate(`task ${t.index} still waits for ${w.id}, which is ${w.dead ? 'dead' : 'removed'}`);
    }
    // Liveness: with no run going and no timer set, nothing changes by itself any more. Then no
    // waiting task may have a worker that could start it now (a lost wake-up would strand it).
    if (this.closeState === 'open' && snap.inFlight === 0 && this.clock.pendingTimers() === 0) {
      for (const t of this.tasks) {
        if (t.settled !== undefined) continue;
        const able = snap.workers.find(
          (s) =>
            s.state === 'connected' &&
            !s.removing &&
            t.plan.requires.every((c) => s.capabilities.includes(c)) &&
            (t.unknownOn === undefined || s.id === t.unknownOn),
        );
        if (able !== undefined)
          this.violate(`task ${t.index} waits for ever, though ${able.id} could start it`);
      }
    }
  }

  /** Let promise callbacks and the timers due now run, then check everything. */
  async settleAndCheck(): Promise<void> {
    await this.clock.advance(0);
    this.checkSnapshot();
    this.assertClean();
  }

  async close(options: CloseOptions): Promise<void> {
    this.closeState = options.drain === false ? 'aborting' : 'draining';
    let closed = false;
    this.pool.close(options).then(
      () => {
        closed = true;
        this.closeState = 'closed';
      },
      (error: unknown) => this.violate(`close rejected: ${String(error)}`),
    );
    // A draining close waits for every task; after a while the test aborts what it can.
    for (let step = 0; !closed && step < 120; step++) {
      if (step === 60) for (const c of this.controllers) c.abort();
      await this.clock.advance(1000);
      this.checkSnapshot();
      this.assertClean();
    }
    if (!closed) {
      this.violate('close() never resolved');
      this.closeState = 'closed';
    }
    this.checkAfterClose();
    // Nothing runs or fires any more.
    const calls = this.tasks.reduce((n, t) => n + t.calls, 0);
    await this.clock.advance(60_000);
    if (this.tasks.reduce((n, t) => n + t.calls, 0) !== calls)
      this.violate('a run started after close resolved');
    this.assertClean();
  }

  checkAfterClose(): void {
    const snap = this.pool.snapshot();
    if (!snap.closed) this.violate('snapshot().closed is false after close');
    if (snap.inFlight !== 0 || snap.queued !== 0)
      this.violate(`after close: ${snap.inFlight} in flight, ${snap.queued} queued`);
    const timers = this.clock.pendingTimers();
    if (timers !== 0) this.violate(`after close: ${timers} timer(s) pending`);
    for (const [i, c] of this.controllers.entries()) {
      const n = getEventListeners(c.signal, 'abort').length;
      if (n !== 0) this.violate(`after close: signal ${i} has ${n} abort listener(s)`);
    }
    if (!this.eventsCompleted) this.violate('after close: events$ has not completed');
    for (const w of this.workers.values())
      if (w.running.size > 0) this.violate(`after close: ${w.running.size} run(s) still going on ${w.id}`);
    for (const r of this.removals)
      if (!r.settled) this.violate(`after close: removeWorker(${r.id}) never settled`);
    const expected: Record<string, string> = {
      resolved: 'succeeded',
      failed: 'failed',
      cancelled: 'cancelled',
      timeout: 'timeout',
    };
    for (const t of this.tasks) {
      if (t.settled === undefined) {
        this.violate(`after close: task ${t.index} never settled`);
        continue;
      }
      const ends = t.poolId === undefined ? undefined : this.terminal.get(t.poolId);
      const want = expected[t.settled];
      if (ends === undefined || ends.length !== 1 || ends[0] !== want)
        this.violate(
          `task ${t.index} settled ${t.settled} but its final events were [${ends?.join(', ') ?? ''}]`,
        );
    }
    const ended = [...this.terminal.values()].reduce((n, e) => n + e.length, 0);
    if (ended !== this.tasks.length)
      this.violate(`${ended} final task events for ${this.tasks.length} tasks`);
  }
}

// ─── commands ─────────────────────────────────────────────────────────────────

interface Model {
  /** Workers that have not been asked to leave. */
  alive: string[];
  nextWorker: number;
  /** Controllers the test made, by index, and whether each was aborted. */
  aborted: boolean[];
}

type Cmd = fc.AsyncCommand<Model, World>;

const pickFrom = <T>(list: readonly T[], pick: number): T => list[pick % list.length]!;
const hasWorker = (m: Model) => m.alive.length > 0;

/** A command that acts, then lets the pool settle and checks every invariant. */
const command = (
  label: string,
  check: (m: Model) => boolean,
  act: (m: Model, world: World) => void | Promise<void>,
): Cmd => ({
  check,
  run: async (m, world) => {
    await act(m, world);
    await world.settleAndCheck();
  },
  toString: () => label,
});

/** A command on one of the workers still in the pool, picked by `pick`. */
const onWorker =
  (name: string, act: (world: World, id: string) => void, args = '') =>
  (pick: number): Cmd =>
    command(`${name}(#${pick}${args})`, hasWorker, (m, world) => act(world, pickFrom(m.alive, pick)));

const addWorker = (capacity: number, capabilities: string[]): Cmd =>
  command(
    `addWorker(capacity ${capacity}, [${capabilities.join(',')}])`,
    (m) => m.alive.length < MAX_WORKERS,
    (m, world) => {
      const id = `w${m.nextWorker++}`;
      m.alive.push(id);
      world.addWorker(id, capacity, capabilities);
    },
  );

const removeWorker = (pick: number): Cmd =>
  command(`removeWorker(#${pick})`, hasWorker, (m, world) => {
    const id = pickFrom(m.alive, pick);
    m.alive = m.alive.filter((w) => w !== id);
    world.removeWorker(id);
  });

const submit = (plan: TaskPlan): Cmd =>
  command(
    `submit(${JSON.stringify(plan)})`,
    () => true,
    (m, world) => {
      // Mirror the controllers the world makes, so `abort` can pick among them.
      if (plan.signal === 'own') m.aborted.push(false);
      else if (plan.signal === 'shared' && (world.shared === undefined || world.shared.signal.aborted))
        m.aborted.push(false);
      world.submit(plan);
    },
  );

const abort = (pick: number): Cmd =>
  command(
    `abort(#${pick})`,
    (m) => m.aborted.some((a) => !a),
    (m, world) => {
      const index = pickFrom(
        m.aborted.flatMap((a, i) => (a ? [] : [i])),
        pick,
      );
      m.aborted[index] = true;
      world.abort(index);
    },
  );

const advance = (ms: number): Cmd =>
  command(
    `advance(${ms})`,
    () => true,
    (_m, world) => world.clock.advance(ms),
  );

const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.subarray([...CAPABILITIES]))
      .map(([c, caps]) => addWorker(c, caps)),
  },
  { weight: 1, arbitrary: fc.nat().map(removeWorker) },
  { weight: 8, arbitrary: taskPlanArb.map(submit) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom('connected' as const, 'disconnected' as const, 'dead' as const))
      .map(([pick, status]) =>
        onWorker('reportConnection', (w, id) => w.reportConnection(id, status), `, ${status}`)(pick),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), waitMs)
      .map(([pick, ms]) => onWorker('backoffWorker', (w, id) => w.backoffWorker(id, ms), `, ${ms}`)(pick)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: 1, max: 4 }))
      .map(([pick, c]) =>
        onWorker('updateWorker', (w, id) => w.updateCapacity(id, c), `, capacity ${c}`)(pick),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map(onWorker('cancelWorkerTasks', (w, id) => w.cancelWorkerTasks(id))),
  },
  { weight: 1, arbitrary: fc.nat().map(abort) },
  {
    weight: 6,
    arbitrary: fc
      .oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 3000 }))
      .map(advance),
  },
);

const fleetArb = fc.array(
  fc.record({ capacity: fc.integer({ min: 1, max: 4 }), capabilities: fc.subarray([...CAPABILITIES]) }),
  { minLength: 1, maxLength: 3 },
);

const closeArb: fc.Arbitrary<CloseOptions> = fc.oneof(
  fc.constant({ drain: false }),
  fc.constant({ drain: true }),
  fc.integer({ min: 0, max: 5000 }).map((timeoutMs) => ({ drain: true, timeoutMs })),
);

describe('the pool under random faults (model-based)', () => {
  it('keeps every invariant after every command, and leaves nothing behind after close', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleetArb,
        fc.commands([commandArb], { maxCommands: MAX_COMMANDS }),
        closeArb,
        fc.integer(),
        async (fleet, commands, closeOptions, seed) => {
          const world = new World(seed);
          const model: Model = { alive: [], nextWorker: 0, aborted: [] };
          for (const w of fleet) {
            const id = `w${model.nextWorker++}`;
            model.alive.push(id);
            world.addWorker(id, w.capacity, w.capabilities);
          }
          await fc.asyncModelRun(() => ({ model, real: world }), commands);
          await world.close(closeOptions);
          panicModesSeen += world.panicModes;
        },
      ),
      {
        seed: SEED,
        numRuns: NUM_RUNS,
        // To replay a failure, set POOL_MODEL_PATH to the path printed with its counterexample.
        ...(process.env.POOL_MODEL_PATH === undefined ? {} : { path: process.env.POOL_MODEL_PATH }),
        // POOL_MODEL_SHRINK=0 reports the first failure as found, without shrinking it.
        endOnFailure: process.env.POOL_MODEL_SHRINK === '0',
      },
    );
    // The runs must reach panic mode, or its invariants above were never put to the test.
    if (process.env.POOL_MODEL_PATH === undefined && panicModesSeen === 0)
      throw new Error('no run entered panic mode');
  }, 600_000);
});

let panicModesSeen = 0;
