import {
  createPool,
  type Pool,
  PoolClosedError,
  type PoolOptions,
  type Strategy,
  ValidationError,
  VirtualClock,
} from '@switchyard/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rotating, sleep, track, virtualPool } from './helpers.js';

/** The ValidationError `act` throws; fails the test if it throws anything else or nothing. */
function validationErrorOf(act: () => unknown): ValidationError {
  let thrown: unknown;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  return thrown as ValidationError;
}

/** The ValidationError a promise-returning call rejects with; it must not throw synchronously. */
async function rejectionOf(act: () => Promise<unknown>): Promise<ValidationError> {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = act();
  }).not.toThrow();
  const error = await promise!.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

/** An unknown key may be reported on its object (`options.retry`) or on itself (`options.retry.retires`). */
function expectUnknownKey(error: ValidationError, object: string, key: string): void {
  expect([object, `${object}.${key}`]).toContain(error.field);
  expect(error.message).toContain(key);
}

const strategy = (): Strategy => rotating();

function makePool(options: Partial<PoolOptions<null>> = {}) {
  return createPool<null>({ strategy: strategy(), clock: new VirtualClock(), ...options });
}

/** A pool with one worker `w`, its events recorded, and a spy on its strategy's `select`. */
function poolWithWorker() {
  const { clock, pool, events } = virtualPool<null>();
  pool.addWorker({ id: 'w', resource: null });
  const select = vi.spyOn(pool.strategy, 'select');
  return { clock, pool, events, select };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createPool options', () => {
  it('latencyWindow above 1,000,000', () => {
    expect(validationErrorOf(() => makePool({ latencyWindow: 1_000_001 })).field).toBe(
      'options.latencyWindow',
    );
  });

  it.each([
    ['maxEjectionPercent', 101],
    ['healthyPanicThreshold', -1],
    ['panicHysteresisPercent', Number.NaN],
  ])('ejection.%s outside 0 to 100 (%s)', (key, value) => {
    const error = validationErrorOf(() => makePool({ ejection: { [key]: value } }));
    expect(error.field).toBe(`options.ejection.${key}`);
    expect(error.message).toContain('from 0 to 100');
  });

  it('strategy.observe that is not a function', () => {
    const bad = { ...strategy(), observe: 5 } as never as Strategy;
    expect(validationErrorOf(() => makePool({ strategy: bad })).field).toBe('options.strategy.observe');
  });

  it.each([
    ['an unknown event type', ['nope']],
    ['a string, not an array', 'task-failed'],
  ])('strategy.events with %s', (_what, events) => {
    const bad = { ...strategy(), events } as never as Strategy;
    expect(validationErrorOf(() => makePool({ strategy: bad })).field).toMatch(
      /^options\.strategy\.events(\.|$)/,
    );
  });

  it('a logger without pino’s methods', () => {
    const half = { child: () => half, info: () => undefined };
    const error = validationErrorOf(() => makePool({ logger: half as never }));
    expect(error.field).toMatch(/^options\.logger(\.(error|warn|debug))?$/);
  });

  it.each([
    ['options', {}, 'retires'],
    ['options.retry', { retry: { retires: 3 } }, 'retires'],
    ['options.ejection', { ejection: { consecutiveFailure: 3 } }, 'consecutiveFailure'],
    ['options.rates.k', { rates: { k: { perSecond: 1, brust: 2 } } }, 'brust'],
  ])('an unknown key in %s', (object, options, key) => {
    const bad = object === 'options' ? { [key]: 3 } : options;
    expectUnknownKey(
      validationErrorOf(() => makePool(bad as never)),
      object,
      key,
    );
  });
});

describe('worker methods', () => {
  it.each([
    ['reportConnection', (pool: Pool<null>) => pool.reportConnection('w', 'disconnected', 42 as never)],
    ['backoffWorker', (pool: Pool<null>) => pool.backoffWorker('w', 1000, { why: 'flood' } as never)],
  ])('%s with a reason that is not a string changes nothing', async (_method, act) => {
    const { clock, pool, events } = poolWithWorker();
    expect(validationErrorOf(() => act(pool)).field).toBe('reason');
    await clock.advance(0);
    expect(pool.snapshot().workers[0]!.state).toBe('connected');
    expect(events.filter((e) => e.type === 'worker-state')).toEqual([]);
    await pool.close();
  });

  it('addWorker with a bigint id', async () => {
    const { pool, events } = poolWithWorker();
    expect(validationErrorOf(() => pool.addWorker({ id: 1n as never, resource: null })).field).toBe(
      'worker.id',
    );
    expect(pool.workerIds()).toEqual(['w']);
    expect(events.filter((e) => e.type === 'worker-added' && e.worker !== 'w')).toEqual([]);
    await pool.close();
  });

  it('removeWorker with a bigint id returns a rejected promise', async () => {
    const { pool } = poolWithWorker();
    expect((await rejectionOf(() => pool.removeWorker(1n as never))).field).toBe('id');
    expect(pool.workerIds()).toEqual(['w']);
    await pool.close();
  });

  it.each([
    ['reportConnection', (pool: Pool<null>) => pool.reportConnection(1n as never, 'dead')],
    ['backoffWorker', (pool: Pool<null>) => pool.backoffWorker(1n as never, 1000)],
    ['updateWorker', (pool: Pool<null>) => pool.updateWorker(1n as never, { capacity: 2 })],
    ['cancelWorkerTasks', (pool: Pool<null>) => pool.cancelWorkerTasks(1n as never)],
  ])('%s with a bigint id', async (_method, act) => {
    const { pool } = poolWithWorker();
    expect(validationErrorOf(() => act(pool)).field).toBe('id');
    expect(pool.snapshot().workers[0]).toMatchObject({ id: 'w', state: 'connected', capacity: 1 });
    await pool.close();
  });

  it('an unknown key in an addWorker spec', async () => {
    const { pool } = poolWithWorker();
    const error = validationErrorOf(() => pool.addWorker({ id: 'v', resource: null, capacty: 2 } as never));
    expectUnknownKey(error, 'worker', 'capacty');
    expect(pool.workerIds()).toEqual(['w']);
    await pool.close();
  });

  it('an unknown key in updateWorker', async () => {
    const { pool } = poolWithWorker();
    expectUnknownKey(
      validationErrorOf(() => pool.updateWorker('w', { capacty: 2 } as never)),
      'update',
      'capacty',
    );
    await pool.close();
  });

  it.each([
    [
      'addWorker',
      (pool: Pool<null>) => pool.addWorker({ id: 'v', resource: null, capacity: Number.POSITIVE_INFINITY }),
    ],
    ['updateWorker', (pool: Pool<null>) => pool.updateWorker('w', { capacity: Number.POSITIVE_INFINITY })],
  ])('%s with capacity Infinity names the maximum', async (_method, act) => {
    const { pool } = poolWithWorker();
    const error = validationErrorOf(() => act(pool));
    expect(error.field).toMatch(/^(worker|update)\.capacity$/);
    expect(error.message).toMatch(/1[,_ ]?000[,_ ]?000|1e6/);
    expect(pool.snapshot().workers).toHaveLength(1);
    expect(pool.snapshot().workers[0]!.capacity).toBe(1);
    await pool.close();
  });
});

describe('submit', () => {
  it.each([
    ['task', { retires: 1 }, 'retires'],
    ['task.retry', { retry: { retires: 1 } }, 'retires'],
    ['task.pace', { pace: { intervalMs: 10, kye: 'x' } }, 'kye'],
  ])('an unknown key in %s', async (object, extra, key) => {
    const { pool, select } = poolWithWorker();
    const run = vi.fn(() => 'ran');
    expectUnknownKey(await rejectionOf(() => pool.submit({ run, ...extra } as never)), object, key);
    expect(run).not.toHaveBeenCalled();
    expect(select).not.toHaveBeenCalled();
    expect(pool.snapshot().metrics.submitted).toBe(0);
    await pool.close();
  });

  it.each([1_000_001, -1_000_001])('priority %d, outside ±1,000,000', async (priority) => {
    const { pool } = poolWithWorker();
    const run = vi.fn(() => 'ran');
    expect((await rejectionOf(() => pool.submit({ run, priority }))).field).toBe('task.priority');
    expect(run).not.toHaveBeenCalled();
    await pool.close();
  });
});

describe('close options', () => {
  it('an unknown key is refused and the pool stays open', async () => {
    const { pool } = poolWithWorker();
    let error: unknown;
    try {
      await pool.close({ drian: true } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expectUnknownKey(error as ValidationError, 'close', 'drian');
    expect(pool.snapshot().closed).toBe(false);
    expect(await pool.submit({ run: () => 'still open' })).toBe('still open');
    await pool.close();
  });
});

describe('setStrategy with a bad strategy', () => {
  it.each([
    ['observe that is not a function', { name: 'bad', select: (): undefined => undefined, observe: 5 }],
    ['unknown event types', { name: 'bad', select: (): undefined => undefined, events: ['nope'] }],
    ['no select', { name: 'bad' }],
  ])('%s: throws and keeps the old strategy working', async (_what, bad) => {
    const { pool, select } = poolWithWorker();
    const before = pool.strategy;
    validationErrorOf(() => pool.setStrategy(bad as never));
    expect(pool.strategy).toBe(before);
    expect(await pool.submit({ run: ({ worker }) => worker })).toBe('w');
    expect(select).toHaveBeenCalled();
    await pool.close();
  });
});

describe('a random() that returns a value outside [0, 1)', () => {
  it.each([Number.NaN, 1, 7, -0.5])(
    'random() = %d: retries keep their schedule and an error names random',
    async (value) => {
      const lines: string[] = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
      const { clock, pool } = virtualPool<null>({
        random: () => value,
        logger,
        retry: { retries: 2, minTimeoutMs: 1000, maxTimeoutMs: 1e9, factor: 2, randomize: true },
      });
      pool.addWorker({ id: 'w', resource: null });
      const starts: number[] = [];
      const t = track(
        pool.submit({
          run: ({ attempt }) => {
            starts.push(clock.now());
            if (attempt < 3) throw new Error('flaky');
            return 'done';
          },
        }),
      );
      await clock.runAll(60_000);
      expect(t.value).toBe('done');
      const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
      // p-retry's schedule: the n-th delay is r × 1000 × 2^(n−1) with r in [1, 2).
      expect(gaps).toHaveLength(2);
      expect(gaps[0]).toBeGreaterThanOrEqual(1000);
      expect(gaps[0]).toBeLessThan(2000);
      expect(gaps[1]).toBeGreaterThanOrEqual(2000);
      expect(gaps[1]).toBeLessThan(4000);
      const errors = lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50);
      expect(errors.some((e) => JSON.stringify(e).includes('random'))).toBe(true);
      await pool.close();
      expect(clock.pendingTimers()).toBe(0);
    },
  );
});

describe('after close', () => {
  it('every mutating method throws PoolClosedError, submit and removeWorker reject, and nothing warns', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const { pool } = poolWithWorker();
    pool.addWorker({ id: 'v', resource: null });
    await pool.close();
    const controls = pool as unknown as Record<string, unknown>;
    const calls: [string, () => unknown][] = [
      ['addWorker', () => pool.addWorker({ id: 'late', resource: null })],
      ['updateWorker', () => pool.updateWorker('w', { capacity: 2 })],
      ['backoffWorker', () => pool.backoffWorker('w', 1000)],
      ['reportConnection', () => pool.reportConnection('w', 'disconnected')],
      ['reportConnection dead', () => pool.reportConnection('v', 'dead')],
      ['cancelWorkerTasks', () => pool.cancelWorkerTasks('w')],
      ['setStrategy', () => pool.setStrategy(rotating())],
    ];
    for (const name of ['pause', 'resume', 'clear']) {
      const method = controls[name];
      if (typeof method === 'function') calls.push([name, () => method.call(pool)]);
    }
    const notRefused: string[] = [];
    for (const [name, call] of calls) {
      try {
        call();
        notRefused.push(`${name} returned`);
      } catch (e) {
        if (!(e instanceof PoolClosedError)) notRefused.push(`${name} threw ${String(e)}`);
      }
    }
    expect(notRefused).toEqual([]);
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = pool.submit({ run: () => 1 });
    }).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(PoolClosedError);
    expect(() => {
      promise = pool.removeWorker('w');
    }).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(PoolClosedError);
    await new Promise((r) => setImmediate(r));
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('while a draining close waits for a running task, worker reports still apply', async () => {
    const { clock, pool } = poolWithWorker();
    pool.addWorker({ id: 'v', resource: null });
    const running = track(pool.submit({ run: () => sleep(clock, 1000) }));
    await clock.advance(0);
    const closing = track(pool.close());
    await clock.advance(100);
    expect(closing.done).toBe(false);
    const [busy, idle] = pool.snapshot().workers[0]!.inFlight === 1 ? ['w', 'v'] : ['v', 'w'];
    expect(() => pool.reportConnection(idle, 'disconnected')).not.toThrow();
    expect(() => pool.backoffWorker(busy, 500)).not.toThrow();
    expect(() => pool.updateWorker(busy, { capacity: 3 })).not.toThrow();
    const byId = new Map(pool.snapshot().workers.map((w) => [w.id, w]));
    expect(byId.get(idle)).toMatchObject({ state: 'disconnected', substate: 'reconnecting' });
    expect(byId.get(busy)).toMatchObject({ state: 'backoff', backoffUntil: 600, capacity: 3 });
    await clock.advance(900);
    expect(running.ok).toBe(true);
    expect(closing.done).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });
});
