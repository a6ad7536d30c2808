import { getEventListeners } from 'node:events';
import {
  createPool,
  type Failure,
  type LoadEvent,
  TaskCancelledError,
  TaskFailedError,
  TaskTimeoutError,
  VirtualClock,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { rotating, sleep, track } from './helpers.js';

class Coded extends Error {
  constructor(
    readonly code: string,
    readonly ms = 0,
  ) {
    super(code);
  }
}

const classify = (error: unknown): Failure => {
  const e = error as Coded;
  switch (e.code) {
    case 'FLOOD':
      return { kind: 'rate-limited', retryAfterMs: e.ms };
    case 'SLOW':
      return { kind: 'rate-limited', retryAfterMs: e.ms, scope: 'task' };
    case 'BAD':
      return { kind: 'permanent' };
    case 'DEAD':
      return { kind: 'worker-fatal' };
    case 'LOST':
      return { kind: 'unknown-outcome' };
    default:
      return { kind: 'transient' };
  }
};

function setup(workers = 2) {
  const clock = new VirtualClock();
  const pool = createPool<null>({
    strategy: rotating(),
    clock,
    classify,
    ejection: false,
    retry: { retries: 2, minTimeoutMs: 1000, factor: 2, randomize: false },
  });
  for (let i = 0; i < workers; i++) pool.addWorker({ id: `w${i}`, resource: null });
  const events: LoadEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  return { clock, pool, events };
}

describe('failures', () => {
  it('retries a transient failure with exponential backoff, without holding the worker slot meanwhile', async () => {
    const { pool, clock } = setup(1);
    const attempts: number[] = [];
    const flaky = track(
      pool.submit({
        run: ({ attempt }) => {
          attempts.push(clock.now());
          if (attempt < 3) throw new Coded('RPC_CALL_FAIL');
          return 'ok';
        },
      }),
    );
    await clock.advance(0);
    // While the retry waits, the only worker is free for other work.
    expect(pool.snapshot().workers[0]!.inFlight).toBe(0);
    expect(await pool.submit({ run: () => 'other' })).toBe('other');
    await clock.runAll();
    expect(flaky.value).toBe('ok');
    expect(attempts).toEqual([0, 1000, 3000]); // p-retry's formula: 1000·2^0, then 1000·2^1
    await pool.close();
  });

  it('gives up after the retries and rejects with the last error as cause', async () => {
    const { pool, clock } = setup(1);
    const t = track(
      pool.submit({
        run: () => {
          throw new Coded('RPC_CALL_FAIL');
        },
      }),
    );
    await clock.runAll();
    expect(t.error).toBeInstanceOf(TaskFailedError);
    expect((t.error as TaskFailedError).attempts).toBe(3);
    expect((t.error as TaskFailedError).cause).toBeInstanceOf(Coded);
    await pool.close();
  });

  it('rejects a permanent failure at once with the original error as cause', async () => {
    const { pool, clock } = setup(1);
    let runs = 0;
    const original = new Coded('BAD');
    const t = track(
      pool.submit({
        run: () => {
          runs++;
          throw original;
        },
      }),
    );
    await clock.advance(0);
    expect(t.error).toBeInstanceOf(TaskFailedError);
    expect((t.error as TaskFailedError).cause).toBe(original);
    expect((t.error as TaskFailedError).failure).toBe('permanent');
    expect(runs).toBe(1);
    await pool.close();
  });

  it('backs a rate-limited worker off for exactly retryAfterMs and requeues the task without spending an attempt', async () => {
    const { pool, clock, events } = setup(1);
    const runs: [number, number][] = [];
    const t = track(
      pool.submit({
        run: ({ attempt }) => {
          runs.push([clock.now(), attempt]);
          if (runs.length === 1) throw new Coded('FLOOD', 30_000);
          return 'sent';
        },
      }),
    );
    await clock.advance(0);
    expect(pool.snapshot().workers[0]).toMatchObject({ state: 'backoff', backoffUntil: 30_000 });
    await clock.advance(29_999);
    expect(runs).toHaveLength(1);
    await clock.advance(1);
    expect(t.value).toBe('sent');
    expect(runs).toEqual([
      [0, 1],
      [30_000, 1],
    ]);
    const backoff = events.find((e) => e.type === 'worker-state' && e.to === 'backoff');
    expect(backoff).toMatchObject({ reason: 'rate-limited', backoffMs: 30_000 });
    await pool.close();
  });

  it('moves a rate-limited task to another worker that is free', async () => {
    const { pool, clock } = setup(2);
    const workers: string[] = [];
    const t = track(
      pool.submit({
        run: ({ worker }) => {
          workers.push(worker);
          if (workers.length === 1) throw new Coded('FLOOD', 60_000);
          return worker;
        },
      }),
    );
    await clock.advance(0);
    expect(workers).toEqual(['w0', 'w1']);
    expect(t.value).toBe('w1');
    await pool.close({ drain: false });
  });

  it('holds only the task on a task-scoped rate limit (slow mode); the worker keeps working', async () => {
    const { pool, clock } = setup(1);
    const starts: number[] = [];
    const t = track(
      pool.submit({
        run: () => {
          starts.push(clock.now());
          if (starts.length === 1) throw new Coded('SLOW', 10_000);
          return 'posted';
        },
      }),
    );
    await clock.advance(0);
    expect(pool.snapshot().workers[0]!.state).toBe('connected');
    expect(await pool.submit({ run: () => 'meanwhile' })).toBe('meanwhile');
    await clock.advance(10_000);
    expect(t.value).toBe('posted');
    expect(starts).toEqual([0, 10_000]);
    await pool.close();
  });

  it('fails a task whose rate-limit waits exceed the cap', async () => {
    const clock = new VirtualClock();
    const pool = createPool<null>({
      strategy: rotating(),
      clock,
      classify,
      retry: { maxRateLimitWaitMs: 50_000 },
    });
    pool.addWorker({ id: 'w', resource: null });
    const t = track(
      pool.submit({
        run: () => {
          throw new Coded('FLOOD', 30_000);
        },
      }),
    );
    await clock.runAll();
    expect(t.error).toBeInstanceOf(TaskFailedError);
    expect((t.error as TaskFailedError).failure).toBe('rate-limited');
    await pool.close();
  });

  it('kills the worker on a worker-fatal failure and runs the task elsewhere', async () => {
    const { pool, clock } = setup(2);
    const t = track(
      pool.submit({
        run: ({ worker }) => {
          if (worker === 'w0') throw new Coded('DEAD');
          return worker;
        },
      }),
    );
    await clock.advance(0);
    expect(t.value).toBe('w1');
    expect(pool.snapshot().workers[0]).toMatchObject({ state: 'disconnected', substate: 'dead' });
    // It never gets work again.
    const later = await Promise.all([1, 2, 3].map(() => pool.submit({ run: ({ worker }) => worker })));
    expect(later).toEqual(['w1', 'w1', 'w1']);
    await pool.close();
  });

  it('retries an unknown outcome only for idempotent tasks, and then on the same worker', async () => {
    const { pool, clock } = setup(2);
    const seen: string[] = [];
    const idem = track(
      pool.submit({
        idempotent: true,
        run: ({ worker }) => {
          seen.push(worker);
          if (seen.length === 1) throw new Coded('LOST');
          return worker;
        },
      }),
    );
    await clock.runAll();
    expect(idem.value).toBe(seen[0]);
    expect(seen).toEqual([seen[0], seen[0]]);

    let runs = 0;
    const once = track(
      pool.submit({
        run: () => {
          runs++;
          throw new Coded('LOST');
        },
      }),
    );
    await clock.runAll();
    expect(once.error).toBeInstanceOf(TaskFailedError);
    expect((once.error as TaskFailedError).failure).toBe('unknown-outcome');
    expect(runs).toBe(1);
    await pool.close();
  });

  it('fails an idempotent unknown-outcome task whose worker died instead of moving it', async () => {
    const { pool, clock } = setup(2);
    const t = track(
      pool.submit({
        idempotent: true,
        run: () => {
          throw new Coded('LOST');
        },
      }),
    );
    await clock.advance(0);
    const pinned = pool.snapshot().workers.find((w) => w.stats.failed === 1)!.id;
    pool.reportConnection(pinned, 'dead');
    await clock.advance(0);
    expect(t.error).toBeInstanceOf(TaskFailedError);
    await clock.runAll();
    await pool.close();
  });

  it('cancels through the task signal wherever it is, releasing slots and counters', async () => {
    const { pool, clock, events } = setup(1);
    const running = new AbortController();
    const queued = new AbortController();
    let sawAbort = false;
    const a = track(
      pool.submit({
        signal: running.signal,
        run: async ({ signal }) => {
          await sleep(clock, 10_000, signal).catch((e) => {
            sawAbort = true;
            throw e;
          });
        },
      }),
    );
    const b = track(pool.submit({ signal: queued.signal, run: () => 'b' }));
    await clock.advance(0);
    expect(pool.snapshot()).toMatchObject({ inFlight: 1, queued: 1 });
    queued.abort();
    running.abort();
    await clock.advance(0);
    expect(a.error).toBeInstanceOf(TaskCancelledError);
    expect(b.error).toBeInstanceOf(TaskCancelledError);
    expect(sawAbort).toBe(true);
    const snap = pool.snapshot();
    expect(snap).toMatchObject({ inFlight: 0, queued: 0 });
    expect(snap.workers[0]!.inFlight).toBe(0);
    expect(snap.metrics.inFlightByKind.other).toBe(0);
    expect(snap.metrics.queuedByKind.other).toBe(0);
    expect(events.filter((e) => e.type === 'task-cancelled')).toHaveLength(2);
    await pool.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('listens once on a signal shared by many tasks, and lets go when they settle', async () => {
    const { pool, clock } = setup(2);
    const shared = new AbortController();
    const runs = Array.from({ length: 50 }, () =>
      track(pool.submit({ signal: shared.signal, run: ({ signal }) => sleep(clock, 100, signal) })),
    );
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    await clock.advance(0);
    shared.abort();
    await clock.advance(0);
    expect(runs.every((r) => r.error instanceof TaskCancelledError)).toBe(true);
    const other = new AbortController();
    await Promise.all([1, 2, 3].map(() => pool.submit({ signal: other.signal, run: () => 1 })));
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    await pool.close();
  });

  it("lets a worker's concurrent runs all listen to their signal without a leak warning", async () => {
    const clock = new VirtualClock();
    const pool = createPool<null>({ strategy: rotating(), clock });
    pool.addWorker({ id: 'wide', resource: null, capacity: 20 });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const runs = Array.from({ length: 20 }, () =>
      pool.submit({ run: ({ signal }) => sleep(clock, 100, signal) }),
    );
    await clock.advance(0);
    expect(pool.snapshot().workers[0]!.inFlight).toBe(20);
    await clock.advance(100);
    await Promise.all(runs);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    await pool.close();
  });

  it('times out a task from submission and releases its slot', async () => {
    const { pool, clock } = setup(1);
    const t = track(pool.submit({ timeoutMs: 5000, run: ({ signal }) => sleep(clock, 60_000, signal) }));
    await clock.advance(5000);
    expect(t.error).toBeInstanceOf(TaskTimeoutError);
    expect(pool.snapshot().workers[0]!.inFlight).toBe(0);
    expect(await pool.submit({ run: () => 'next' })).toBe('next');
    await pool.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('classifies an attempt timeout like any error (transient by default) and retries', async () => {
    const { pool, clock } = setup(1);
    let n = 0;
    const t = track(
      pool.submit({
        attemptTimeoutMs: 1000,
        run: async ({ signal }) => {
          n++;
          if (n === 1) await sleep(clock, 60_000, signal);
          return n;
        },
      }),
    );
    await clock.runAll();
    expect(t.value).toBe(2);
    await pool.close();
  });

  it('ejects an outlier after consecutive failures, with growing ejection time', async () => {
    const clock = new VirtualClock();
    const pool = createPool<null>({
      strategy: rotating(),
      clock,
      retry: { retries: 0 },
      // One worker ejected is none healthy: panic mode would let it back in at once.
      ejection: {
        consecutiveFailures: 2,
        baseEjectionMs: 1000,
        maxEjectionMs: 10_000,
        healthyPanicThreshold: 0,
      },
    });
    pool.addWorker({ id: 'w', resource: null });
    const events: LoadEvent[] = [];
    pool.events$.subscribe((e) => events.push(e));
    const fail = () =>
      pool
        .submit({
          run: () => {
            throw new Error('boom');
          },
        })
        .catch(() => undefined);
    await fail();
    await fail();
    expect(pool.snapshot().workers[0]!.state).toBe('backoff');
    await clock.advance(1000);
    await fail();
    await fail();
    const ejections = events.filter((e) => e.type === 'worker-state' && e.reason === 'ejected');
    expect(ejections.map((e) => e.type === 'worker-state' && e.backoffMs)).toEqual([1000, 2000]);
    await pool.close();
  });
});

describe('workers coming and going', () => {
  it('removeWorker waits for in-flight work, which keeps its result', async () => {
    const { pool, clock, events } = setup(2);
    const t = track(
      pool.submit({
        run: async ({ worker }) => {
          await sleep(clock, 100);
          return worker;
        },
      }),
    );
    await clock.advance(0);
    const removed = track(pool.removeWorker('w0'));
    await clock.advance(50);
    expect(removed.done).toBe(false);
    const meanwhile = await Promise.all([1, 2, 3].map(() => pool.submit({ run: ({ worker }) => worker })));
    expect(meanwhile).toEqual(['w1', 'w1', 'w1']);
    await clock.advance(50);
    expect(t.value).toBe('w0');
    expect(removed.done).toBe(true);
    expect(pool.workerIds()).toEqual(['w1']);
    expect(events.some((e) => e.type === 'worker-removed' && e.worker === 'w0')).toBe(true);
    await pool.close();
  });

  it('a disconnected worker gets no work until reconnected; its running task may finish', async () => {
    const { pool, clock } = setup(1);
    const t = track(
      pool.submit({
        run: async () => {
          await sleep(clock, 100);
          return 'finished';
        },
      }),
    );
    await clock.advance(0);
    pool.reportConnection('w0', 'disconnected');
    const next = track(pool.submit({ run: () => 'next' }));
    await clock.advance(100);
    expect(t.value).toBe('finished');
    expect(next.done).toBe(false);
    expect(pool.snapshot().workers[0]).toMatchObject({
      state: 'disconnected',
      substate: 'reconnecting',
      inFlight: 0,
    });
    pool.reportConnection('w0', 'connected');
    await clock.advance(0);
    expect(next.value).toBe('next');
    await pool.close();
  });

  it('cancelWorkerTasks aborts every task on that worker', async () => {
    const { pool, clock } = setup(2);
    const ts = [1, 2].map(() => track(pool.submit({ run: ({ signal }) => sleep(clock, 10_000, signal) })));
    await clock.advance(0);
    expect(pool.cancelWorkerTasks('w0')).toBe(1);
    await clock.advance(0);
    expect(ts.filter((t) => t.error instanceof TaskCancelledError)).toHaveLength(1);
    expect(pool.snapshot().workers[0]!.inFlight).toBe(0);
    await pool.close({ drain: false });
  });

  it("a run's signal is aborted by cancelWorkerTasks, whenever the run first reads it, and survives a spread", async () => {
    const { pool, clock } = setup(1);
    const seen: { early?: AbortSignal; late?: AbortSignal; spread?: AbortSignal } = {};
    const cancelled = track(
      pool.submit({
        run: async (ctx) => {
          seen.early = ctx.signal;
          seen.spread = { ...ctx }.signal;
          await sleep(clock, 10_000);
        },
      }),
    );
    const lateReader = track(
      pool.submit({
        run: async (ctx) => {
          await sleep(clock, 10_000);
          seen.late = ctx.signal;
        },
      }),
    );
    await clock.advance(0);
    expect(seen.early?.aborted).toBe(false);
    expect(seen.spread).toBe(seen.early);
    expect(pool.cancelWorkerTasks('w0')).toBe(1);
    expect(seen.early?.aborted).toBe(true);
    await clock.advance(0);
    expect(cancelled.error).toBeInstanceOf(TaskCancelledError);
    // The next task started after the cancellation, on a fresh shared signal.
    await clock.advance(0);
    expect(pool.cancelWorkerTasks('w0')).toBe(1);
    await clock.advance(10_000);
    expect(lateReader.error).toBeInstanceOf(TaskCancelledError);
    expect(seen.late?.aborted).toBe(true);
    await pool.close({ drain: false });
  });
});

describe('close', () => {
  it('drains by default: queued and running work finishes, then events$ completes', async () => {
    const { pool, clock } = setup(1);
    const results = [1, 2, 3].map((n) =>
      track(
        pool.submit({
          run: async () => {
            await sleep(clock, 10);
            return n;
          },
        }),
      ),
    );
    let completed = false;
    pool.events$.subscribe({
      complete: () => {
        completed = true;
      },
    });
    const closing = track(pool.close());
    await clock.runAll();
    expect(closing.done).toBe(true);
    expect(results.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(completed).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('without drain, cancels queued and aborts running work, and leaves no timer or counter behind', async () => {
    const { pool, clock } = setup(2);
    pool.backoffWorker('w1', 60_000);
    const results = [1, 2, 3].map(() =>
      track(pool.submit({ retry: { retries: 5 }, run: ({ signal }) => sleep(clock, 10_000, signal) })),
    );
    const retrying = track(
      pool.submit({
        run: () => {
          throw new Coded('X');
        },
      }),
    );
    await clock.advance(0);
    await pool.close({ drain: false });
    await clock.advance(0);
    for (const r of [...results, retrying]) expect(r.error).toBeInstanceOf(TaskCancelledError);
    const snap = pool.snapshot();
    expect(snap).toMatchObject({ queued: 0, inFlight: 0, closed: true });
    for (const w of snap.workers) expect(w.inFlight).toBe(0);
    expect(Object.values(snap.metrics.inFlightByKind).every((n) => n === 0)).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('drain with a timeout aborts what is still running', async () => {
    const { pool, clock } = setup(1);
    const stuck = track(pool.submit({ run: ({ signal }) => sleep(clock, 1e9, signal) }));
    const closing = track(pool.close({ timeoutMs: 5000 }));
    await clock.advance(5000);
    expect(closing.done).toBe(true);
    expect(stuck.error).toBeInstanceOf(TaskCancelledError);
    expect(clock.pendingTimers()).toBe(0);
  });
});
