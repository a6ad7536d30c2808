import { execFileSync } from 'node:child_process';
import { createPool, type PoolOptions, TaskTimeoutError } from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyCarried, FailsAs, rotating, track } from './helpers.js';

// Node's setTimeout fires after 1 ms when asked to wait more than 2^31 − 1 ms (about 24.8 days).
// Every wait the pool makes on the default clock must survive that: task and attempt timeouts,
// backoffs, rate-limit waits, retry delays, close timeouts and the dispatch wake-up.

const MAX_TIMER_MS = 2 ** 31 - 1;
const DAY = 24 * 3600_000;

/** A run that only ends when its signal aborts. */
const hang = ({ signal }: { signal: AbortSignal }) =>
  new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

function systemPool(options: Partial<PoolOptions<null>> = {}) {
  const pool = createPool<null>({ strategy: rotating(), ejection: false, ...options });
  pool.addWorker({ id: 'w', resource: null });
  return pool;
}

describe('the fake timers used here', () => {
  it('fire an over-long timeout after 1 ms, as Node does', async () => {
    const script = 'const t = Date.now(); setTimeout(() => console.log(Date.now() - t), 2 ** 31 + 1000);';
    const realMs = Number(
      execFileSync(process.execPath, ['--no-warnings', '-e', script], { encoding: 'utf8' }),
    );
    expect(realMs).toBeLessThan(1000);
    vi.useFakeTimers();
    try {
      const fired = vi.fn();
      setTimeout(fired, MAX_TIMER_MS + 1000);
      await vi.advanceTimersByTimeAsync(2);
      expect(fired).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('waits longer than 2^31 − 1 ms on the system clock', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a task with timeoutMs 2^31 + 1000 does not time out after 1 ms', async () => {
    const pool = systemPool();
    const t = track(pool.submit({ timeoutMs: 2 ** 31 + 1000, run: hang }));
    await vi.advanceTimersByTimeAsync(50);
    expect(t.done).toBe(false);
    expect(pool.snapshot().inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(2 ** 31 + 1000);
    expect(t.error).toBeInstanceOf(TaskTimeoutError);
    await pool.close();
  });

  it('an attempt with attemptTimeoutMs 2^31 + 1000 is not cut short', async () => {
    const pool = systemPool();
    const signals: AbortSignal[] = [];
    const t = track(
      pool.submit({
        attemptTimeoutMs: 2 ** 31 + 1000,
        run: (ctx) => {
          signals.push(ctx.signal);
          return hang(ctx);
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(signals.map((s) => s.aborted)).toEqual([false]);
    expect(pool.snapshot().metrics.retries).toBe(0);
    expect(t.done).toBe(false);
    await pool.close({ drain: false });
  });

  it('a worker backed off for 30 days stays in backoff', async () => {
    const pool = systemPool();
    pool.backoffWorker('w', 30 * DAY);
    const t = track(pool.submit({ run: () => 'ran' }));
    await vi.advanceTimersByTimeAsync(50);
    expect(pool.snapshot().workers[0]!.state).toBe('backoff');
    expect(t.done).toBe(false);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(t.value).toBe('ran');
    await pool.close();
  });

  it.each([
    ['worker', 'the worker stays in backoff'],
    ['task', 'the task is not run again'],
  ] as const)('a rate limit of 30 days with scope %s: %s', async (scope, _what) => {
    const pool = systemPool({ classify: classifyCarried, retry: { maxRateLimitWaitMs: 60 * DAY } });
    let runs = 0;
    const t = track(
      pool.submit({
        run: () => {
          runs++;
          if (runs === 1) throw new FailsAs({ kind: 'rate-limited', retryAfterMs: 30 * DAY, scope });
          return 'ran';
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(runs).toBe(1);
    expect(t.done).toBe(false);
    if (scope === 'worker') expect(pool.snapshot().workers[0]!.state).toBe('backoff');
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(t.value).toBe('ran');
    await pool.close();
  });

  it('a retry delay of 2^31 ms is waited out in full', async () => {
    const pool = systemPool({
      retry: { retries: 1, minTimeoutMs: 2 ** 31, maxTimeoutMs: 2 ** 32, randomize: false },
    });
    let runs = 0;
    const t = track(
      pool.submit({
        run: () => {
          runs++;
          if (runs === 1) throw new Error('flaky');
          return 'ran';
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(t.value).toBe('ran');
    await pool.close();
  });

  it('close with timeoutMs 2^31 + 1 does not abort running work after 1 ms', async () => {
    const pool = systemPool();
    const t = track(pool.submit({ run: hang }));
    await vi.advanceTimersByTimeAsync(0);
    const closing = track(pool.close({ timeoutMs: 2 ** 31 + 1 }));
    await vi.advanceTimersByTimeAsync(50);
    expect(closing.done).toBe(false);
    expect(t.done).toBe(false);
    await vi.advanceTimersByTimeAsync(2 ** 31 + 1);
    expect(closing.done).toBe(true);
    expect(t.done).toBe(true);
  });

  it.each([
    ['a rate of one start per 11.6 days', { rates: { k: { perSecond: 0.000001 } } }, {}],
    ['a rate of one start per 116 days', { rates: { k: { perSecond: 0.0000001 } } }, {}],
    ['a pace of 1e10 ms', {}, { pace: { intervalMs: 1e10 } }],
  ] as const)('%s does not make the pool wake every millisecond', async (_what, options, task) => {
    const pool = systemPool(options);
    const starts: number[] = [];
    const submit = () =>
      track(
        pool.submit({
          kind: 'k',
          ...task,
          run: () => {
            starts.push(Date.now());
          },
        }),
      );
    const first = submit();
    const second = submit();
    await vi.advanceTimersByTimeAsync(0);
    expect(first.done).toBe(true);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const selects = vi.spyOn(pool.strategy, 'select');
    await vi.advanceTimersByTimeAsync(200);
    // A correct pool arms at most a timer or two for the far wake-up, not one a millisecond.
    expect(timers.mock.calls.length).toBeLessThanOrEqual(4);
    expect(selects.mock.calls.length).toBeLessThanOrEqual(2);
    expect(starts).toHaveLength(1);
    expect(second.done).toBe(false);
    await pool.close({ drain: false });
    expect(vi.getTimerCount()).toBe(0);
  });
});
