import {
  createPool,
  type LoadEvent,
  PoolClosedError,
  type PoolOptions,
  TaskCancelledError,
  VirtualClock,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { rotating, sleep, track } from './helpers.js';

// The everyday controls of p-queue (pause, clear, onIdle, onEmpty, onSizeLessThan, rate-limit
// visibility, running tasks), ported from p-queue's own tests to the pool, on virtual time.

function setup(workers = 1, options: Partial<PoolOptions<null>> = {}) {
  const clock = new VirtualClock();
  const pool = createPool<null>({ strategy: rotating(), clock, ...options });
  for (let i = 0; i < workers; i++) pool.addWorker({ id: `w${i}`, resource: null });
  const events: LoadEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  const job = (ms: number, value = ms) => ({ run: () => sleep(clock, ms).then(() => value) });
  return { clock, pool, events, job };
}

describe('onEmpty, onIdle, onSizeLessThan', () => {
  it('onEmpty resolves when nothing waits to start, onIdle when nothing runs either', async () => {
    const { clock, pool, job } = setup(1);
    const results = [pool.submit(job(100)), pool.submit(job(100)), pool.submit(job(100))];
    expect(pool.size).toBe(2);
    expect(pool.pending).toBe(1);
    const empty = track(pool.onEmpty());
    const idle = track(pool.onIdle());
    await clock.advance(150);
    expect(empty.done).toBe(false);
    await clock.advance(100); // the third task starts at 200: nothing waits any more
    expect(empty.done).toBe(true);
    expect(idle.done).toBe(false);
    await clock.advance(100);
    expect(idle.done).toBe(true);
    await Promise.all(results);
    await pool.close();
  });

  it('resolve at once when the pool is already empty and idle', async () => {
    const { pool } = setup(1);
    await expect(pool.onEmpty()).resolves.toBeUndefined();
    await expect(pool.onIdle()).resolves.toBeUndefined();
    await expect(pool.onSizeLessThan(1)).resolves.toBeUndefined();
    await pool.close();
  });

  it('onSizeLessThan resolves each waiter when the queue falls below its own limit', async () => {
    const { clock, pool, job } = setup(1);
    const all = Array.from({ length: 5 }, () => pool.submit(job(10)));
    expect(pool.size).toBe(4);
    const below4 = track(pool.onSizeLessThan(4));
    const below2 = track(pool.onSizeLessThan(2));
    await clock.advance(10);
    expect(pool.size).toBe(3);
    expect(below4.done).toBe(true);
    expect(below2.done).toBe(false);
    await clock.advance(20);
    expect(pool.size).toBe(1);
    expect(below2.done).toBe(true);
    await clock.advance(20);
    await Promise.all(all);
    await pool.close();
  });

  it('onSizeLessThan and onEmpty resolve after clear()', async () => {
    const { clock, pool, job } = setup(1);
    const running = pool.submit(job(100));
    const queued = [pool.submit(job(1)), pool.submit(job(1)), pool.submit(job(1))].map(track);
    const below1 = track(pool.onSizeLessThan(1));
    const empty = track(pool.onEmpty());
    const idle = track(pool.onIdle());
    expect(pool.clear()).toBe(3);
    await clock.advance(0);
    expect(below1.done).toBe(true);
    expect(empty.done).toBe(true);
    // clear() leaves what runs: the pool is empty, not idle.
    expect(idle.done).toBe(false);
    for (const q of queued) expect(q.error).toBeInstanceOf(TaskCancelledError);
    await clock.advance(100);
    await expect(running).resolves.toBe(100);
    expect(idle.done).toBe(true);
    await pool.close();
  });

  it('onSizeLessThan resolves when resume() drains a paused queue', async () => {
    const { clock, pool, job } = setup(2);
    pool.pause();
    const all = Array.from({ length: 4 }, () => pool.submit(job(10)));
    const below3 = track(pool.onSizeLessThan(3));
    await clock.advance(50);
    expect(below3.done).toBe(false);
    pool.resume();
    await clock.advance(0);
    expect(below3.done).toBe(true);
    await clock.advance(20);
    await Promise.all(all);
    await pool.close();
  });

  it('onSizeLessThan resolves when a worker with room is added', async () => {
    const { clock, pool, job } = setup(1);
    const all = Array.from({ length: 3 }, () => pool.submit(job(100)));
    const below1 = track(pool.onSizeLessThan(1));
    pool.addWorker({ id: 'big', resource: null, capacity: 5 });
    await clock.advance(0);
    expect(below1.done).toBe(true);
    await clock.advance(100);
    await Promise.all(all);
    await pool.close();
  });

  it('onSizeLessThan with a bad limit is a rejected promise', async () => {
    const { pool } = setup(1);
    await expect(pool.onSizeLessThan(Number.NaN)).rejects.toMatchObject({ field: 'limit' });
    await pool.close();
  });
});

describe('pause and resume', () => {
  it('a paused pool starts nothing; running tasks go on; resume starts the queue', async () => {
    const { clock, pool, job } = setup(2);
    const first = pool.submit(job(50, 1));
    pool.pause();
    expect(pool.isPaused).toBe(true);
    const later = track(pool.submit(job(10, 2)));
    await clock.advance(100);
    await expect(first).resolves.toBe(1);
    expect(later.done).toBe(false);
    expect(pool.size).toBe(1);
    expect(pool.snapshot().paused).toBe(true);
    pool.resume();
    expect(pool.isPaused).toBe(false);
    await clock.advance(10);
    expect(later.value).toBe(2);
    await pool.close();
  });

  it('aborting a queued task works on a paused pool without resuming it', async () => {
    const { clock, pool, job } = setup(1);
    pool.pause();
    const controller = new AbortController();
    const aborted = track(pool.submit({ ...job(10), signal: controller.signal }));
    const other = track(pool.submit(job(10)));
    controller.abort(new Error('no longer wanted'));
    await clock.advance(0);
    expect(aborted.error).toBeInstanceOf(TaskCancelledError);
    expect(pool.isPaused).toBe(true);
    expect(other.done).toBe(false);
    pool.resume();
    await clock.advance(10);
    expect(other.ok).toBe(true);
    await pool.close();
  });

  it('a draining close resumes a paused pool, so queued tasks finish', async () => {
    const { clock, pool, job } = setup(1);
    pool.pause();
    const queued = track(pool.submit(job(10, 7)));
    const closed = track(pool.close());
    await clock.advance(10);
    expect(queued.value).toBe(7);
    expect(closed.done).toBe(true);
  });
});

describe('clear', () => {
  it('cancels what is queued or waiting to retry, leaves what runs, and reports each as cleared', async () => {
    const { clock, pool, events, job } = setup(1, {
      retry: { retries: 3, minTimeoutMs: 1000, randomize: false },
    });
    let tries = 0;
    const retrying = track(
      pool.submit({
        run: () => {
          tries++;
          return Promise.reject(new Error('flaky'));
        },
      }),
    );
    await clock.advance(0); // failed once; now waiting 1 s to retry
    const running = pool.submit(job(100, 1));
    const queued = track(pool.submit(job(1)));
    expect(pool.size).toBe(2);
    expect(pool.clear()).toBe(2);
    await clock.advance(2000);
    expect(tries).toBe(1);
    expect(retrying.error).toBeInstanceOf(TaskCancelledError);
    expect(queued.error).toBeInstanceOf(TaskCancelledError);
    await expect(running).resolves.toBe(1);
    const cleared = events.filter((e) => e.type === 'task-cancelled' && e.reason === 'cleared');
    expect(cleared).toHaveLength(2);
    expect(pool.snapshot().metrics.cancelled).toBe(2);
    await pool.close();
  });

  it('removes the abort listeners of the tasks it clears, shared signals included', async () => {
    const { pool, job } = setup(1);
    pool.pause();
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const tasks = Array.from({ length: 5 }, () =>
      track(pool.submit({ ...job(1), signal: controller.signal })),
    );
    expect(listeners).toBe(1);
    pool.clear();
    expect(listeners).toBe(0);
    // The same signal can be used again, and aborting it later touches nothing that was cleared.
    const again = track(pool.submit({ ...job(1), signal: controller.signal }));
    expect(listeners).toBe(1);
    controller.abort();
    await Promise.resolve();
    expect(again.error).toBeInstanceOf(TaskCancelledError);
    expect(tasks.every((t) => t.error instanceof TaskCancelledError)).toBe(true);
    await pool.close();
  });
});

describe('rates: visible, and strict when asked', () => {
  it('a token bucket lets a burst through; a strict window never allows more than perSecond in any second', async () => {
    const starts = async (strict: boolean) => {
      const { clock, pool } = setup(10, { rates: { send: { perSecond: 3, strict } } });
      const at: number[] = [];
      const all = Array.from({ length: 12 }, () =>
        pool.submit({
          kind: 'send',
          run: () => {
            at.push(clock.now());
            return Promise.resolve();
          },
        }),
      );
      await clock.advance(5000);
      await Promise.all(all);
      await pool.close();
      return at;
    };
    const maxInAnySecond = (at: number[]) =>
      Math.max(...at.map((t) => at.filter((u) => u >= t && u < t + 1000).length));
    const bucket = await starts(false);
    const strict = await starts(true);
    // The bucket starts full (3) and refills 3 a second: 5 or more in the first second.
    expect(maxInAnySecond(bucket)).toBeGreaterThan(3);
    expect(maxInAnySecond(strict)).toBe(3);
    expect(strict.slice(0, 6)).toEqual([0, 0, 0, 1000, 1000, 1000]);
  });

  it('a fractional strict rate spaces starts evenly', async () => {
    const { clock, pool } = setup(2, { rates: { slow: { perSecond: 0.5, strict: true } } });
    const at: number[] = [];
    const all = Array.from({ length: 3 }, () =>
      pool.submit({ kind: 'slow', run: () => Promise.resolve(at.push(clock.now())) }),
    );
    await clock.advance(10_000);
    await Promise.all(all);
    expect(at).toEqual([0, 2000, 4000]);
    await pool.close();
  });

  it('a throttled kind shows in snapshot() and as a kind-throttled event with the time it frees up', async () => {
    const { clock, pool, events } = setup(4, { rates: { send: { perSecond: 1, strict: true } } });
    const all = Array.from({ length: 3 }, () => pool.submit({ kind: 'send', run: () => Promise.resolve() }));
    await clock.advance(0);
    expect(pool.snapshot().throttled).toEqual([{ kind: 'send', until: 1000 }]);
    const throttled = events.filter((e) => e.type === 'kind-throttled');
    expect(throttled).toEqual([{ type: 'kind-throttled', at: 0, kind: 'send', until: 1000 }]);
    await clock.advance(2000);
    await Promise.all(all);
    expect(pool.snapshot().throttled).toEqual([]);
    expect(events.filter((e) => e.type === 'kind-throttled').map((e) => e.at)).toEqual([0, 1000]);
    await pool.close();
  });
});

describe('running tasks, default attempt timeout, failure codes', () => {
  it('lists each running task with its worker, kind and start time', async () => {
    const { clock, pool, job } = setup(2);
    const a = pool.submit({ ...job(100), kind: 'scrape' });
    await clock.advance(30);
    const b = pool.submit({ ...job(100), kind: 'send', priority: 2 });
    const running = pool.runningTasks();
    expect(running).toEqual([
      { task: 1, kind: 'scrape', worker: 'w0', attempt: 1, priority: 0, since: 0 },
      { task: 2, kind: 'send', worker: 'w1', attempt: 1, priority: 2, since: 30 },
    ]);
    expect(pool.snapshot().running).toEqual(running);
    await clock.advance(100);
    await Promise.all([a, b]);
    expect(pool.runningTasks()).toEqual([]);
    await pool.close();
  });

  it("the pool's attemptTimeoutMs applies to tasks that set none", async () => {
    const { clock, pool } = setup(1, { attemptTimeoutMs: 50, retry: { retries: 0 } });
    let aborted: unknown;
    const slow = track(
      pool.submit({
        run: ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted = signal.reason;
              reject(signal.reason);
            }),
          ),
      }),
    );
    const own = track(pool.submit({ attemptTimeoutMs: 500, run: () => sleep(clock, 200).then(() => 'ok') }));
    await clock.advance(50);
    expect(slow.done).toBe(true);
    expect(aborted).toMatchObject({ code: 'E_ATTEMPT_TIMEOUT', timeoutMs: 50 });
    await clock.advance(200);
    expect(own.value).toBe('ok');
    await pool.close();
  });

  it("task-failed carries the failure's code, from classify or from the error", async () => {
    const { clock, pool, events } = setup(1, {
      retry: { retries: 0 },
      classify: (error) =>
        (error as Error).message === 'flood'
          ? { kind: 'permanent', code: 'FLOOD_WAIT' }
          : { kind: 'permanent' },
    });
    const flood = track(pool.submit({ run: () => Promise.reject(new Error('flood')) }));
    const coded = track(
      pool.submit({ run: () => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' })) }),
    );
    const plain = track(pool.submit({ run: () => Promise.reject(new Error('y')) }));
    await clock.advance(0);
    expect([flood.done, coded.done, plain.done]).toEqual([true, true, true]);
    const codes = events.flatMap((e) => (e.type === 'task-failed' ? [e.code] : []));
    expect(codes).toEqual(['FLOOD_WAIT', 'ECONNRESET', undefined]);
    await pool.close();
  });

  it('after close the controls throw PoolClosedError', async () => {
    const { pool } = setup(1);
    await pool.close();
    expect(() => pool.pause()).toThrow(PoolClosedError);
    expect(() => pool.resume()).toThrow(PoolClosedError);
    expect(() => pool.clear()).toThrow(PoolClosedError);
  });
});
