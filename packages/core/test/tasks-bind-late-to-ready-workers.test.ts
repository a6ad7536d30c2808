import { createPool, type LoadEvent, PoolClosedError, ValidationError, VirtualClock } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { rotating, sleep, track } from './helpers.js';

function setup(opts: { workers?: number; capacity?: number; limits?: Record<string, number> } = {}) {
  const clock = new VirtualClock();
  const pool = createPool<number>({
    strategy: rotating(),
    clock,
    ejection: false,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  for (let i = 0; i < (opts.workers ?? 2); i++)
    pool.addWorker({ id: `w${i}`, resource: i, capacity: opts.capacity ?? 1 });
  const events: LoadEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  return { clock, pool, events };
}

describe('dispatch', () => {
  it('runs a task on a worker and resolves with its result', async () => {
    const { pool } = setup();
    const result = await pool.submit({
      run: ({ worker, resource, attempt }) => `${worker}:${resource}:${attempt}`,
    });
    expect(result).toMatch(/^w[01]:[01]:1$/);
    await pool.close();
  });

  it('runs higher priority first and FIFO within a priority', async () => {
    const { pool, clock } = setup({ workers: 1 });
    const order: string[] = [];
    const job = (name: string, priority: number) =>
      pool.submit({
        priority,
        run: async () => {
          order.push(name);
          await sleep(clock, 10);
        },
      });
    const all = [
      job('blocker', 0),
      job('low1', 0),
      job('high1', 5),
      job('low2', 0),
      job('high2', 5),
      job('mid', 1),
    ];
    await clock.runAll();
    await Promise.all(all);
    expect(order).toEqual(['blocker', 'high1', 'high2', 'mid', 'low1', 'low2']);
    await pool.close();
  });

  it('binds late: a queued task waits without a worker, and runs when one is added', async () => {
    const clock = new VirtualClock();
    const pool = createPool<string>({ strategy: rotating(), clock });
    const t = track(pool.submit({ run: ({ worker }) => worker }));
    await clock.advance(1000);
    expect(t.done).toBe(false);
    expect(pool.snapshot().queued).toBe(1);
    pool.addWorker({ id: 'late', resource: 'r' });
    await clock.advance(0);
    expect(t.value).toBe('late');
    await pool.close();
  });

  it('offers only workers with every required capability and not anti-affine', async () => {
    const clock = new VirtualClock();
    const seen: string[][] = [];
    const pool = createPool<null>({
      clock,
      strategy: {
        name: 'spy',
        select: (_t, c) => {
          seen.push(c.map((w) => w.id).sort());
          return c[0];
        },
      },
    });
    pool.addWorker({ id: 'a', resource: null, capabilities: ['send', 'join'] });
    pool.addWorker({ id: 'b', resource: null, capabilities: ['send'] });
    pool.addWorker({ id: 'c', resource: null, capabilities: [] });
    const w1 = await pool.submit({ requires: ['send'], run: ({ worker }) => worker });
    const w2 = await pool.submit({ requires: ['send'], antiAffinity: ['a'], run: ({ worker }) => worker });
    const w3 = await pool.submit({ requires: ['join', 'send'], run: ({ worker }) => worker });
    expect(seen).toEqual([['a', 'b'], ['b'], ['a']]);
    expect([w1, w2, w3]).toEqual(['a', 'b', 'a']);
    await pool.close();
  });

  it('updateWorker changes capabilities, re-offers waiting tasks, and reports it', async () => {
    const { pool, clock, events } = setup();
    const t = track(pool.submit({ requires: ['join'], run: ({ worker }) => worker }));
    await clock.advance(0);
    expect(t.done).toBe(false);
    pool.updateWorker('w1', { capabilities: ['join'], weight: 3 });
    await clock.advance(0);
    expect(t.value).toBe('w1');
    expect(events.find((e) => e.type === 'worker-updated')).toMatchObject({
      worker: 'w1',
      capabilities: ['join'],
      weight: 3,
      capacity: 1,
    });
    await pool.close();
  });

  it('setStrategy introduces the workers to the new strategy only, and stops the old one observing', async () => {
    const { pool, events } = setup({ workers: 2 });
    const seen: string[] = [];
    let oldUnsubscribed = false;
    pool.setStrategy({
      name: 'new',
      events: ['worker-added'],
      select: (_t, c) => c[0],
      observe: (e$) => {
        const sub = e$.subscribe((e) => seen.push(`${e.type}:${'worker' in e ? e.worker : ''}`));
        return {
          unsubscribe: () => {
            oldUnsubscribed = true;
            sub.unsubscribe();
          },
        };
      },
    });
    expect(seen).toEqual(['worker-added:w0', 'worker-added:w1']);
    expect(events.filter((e) => e.type === 'worker-added')).toHaveLength(0); // subscribed after the adds
    await pool.submit({ run: () => 1 });
    expect(seen).toHaveLength(2); // it declared worker-added only
    pool.setStrategy({ name: 'newer', select: (_t, c) => c[0] });
    expect(oldUnsubscribed).toBe(true);
    expect(pool.strategy.name).toBe('newer');
    await pool.close();
  });

  it('keeps a task waiting (not dropped) while no worker is eligible', async () => {
    const { pool, clock } = setup();
    const t = track(pool.submit({ requires: ['gpu'], run: ({ worker }) => worker }));
    await clock.advance(5000);
    expect(t.done).toBe(false);
    pool.addWorker({ id: 'gpu', resource: 9, capabilities: ['gpu'] });
    await clock.advance(0);
    expect(t.value).toBe('gpu');
    await pool.close();
  });

  it('never runs more of a kind than its limit, and a task waiting on a limit holds no worker', async () => {
    const { pool, clock } = setup({ workers: 10, limits: { scraping: 3 } });
    let running = 0;
    let peak = 0;
    const scrapes = Array.from({ length: 12 }, () =>
      pool.submit({
        kind: 'scraping',
        run: async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(clock, 100);
          running--;
        },
      }),
    );
    await clock.advance(0);
    expect(pool.snapshot().metrics.inFlightByKind.scraping).toBe(3);
    // The other 7 workers stay free for other kinds.
    const other = await Promise.all(
      Array.from({ length: 7 }, () => pool.submit({ run: ({ worker }) => worker })),
    );
    expect(new Set(other).size).toBe(7);
    await clock.runAll();
    await Promise.all(scrapes);
    expect(peak).toBe(3);
    expect(pool.snapshot().metrics.inFlightByKind.scraping).toBe(0);
    await pool.close();
  });

  it('paces tasks per worker and offers the strategy only workers free now', async () => {
    const clock = new VirtualClock();
    const offered: string[][] = [];
    const pool = createPool<null>({
      clock,
      strategy: {
        name: 'spy',
        select: (_t, c) => {
          offered.push(c.map((w) => w.id));
          return c[0];
        },
      },
    });
    pool.addWorker({ id: 'a', resource: null, capacity: 5 });
    pool.addWorker({ id: 'b', resource: null, capacity: 5 });
    const starts: [string, number][] = [];
    const sends = Array.from({ length: 6 }, () =>
      pool.submit({
        kind: 'sending',
        pace: { intervalMs: 2000 },
        run: ({ worker }) => {
          starts.push([worker, clock.now()]);
        },
      }),
    );
    await clock.runAll();
    await Promise.all(sends);
    const byWorker = (id: string) => starts.filter(([w]) => w === id).map(([, t]) => t);
    expect(byWorker('a')).toEqual([0, 2000, 4000]);
    expect(byWorker('b')).toEqual([0, 2000, 4000]);
    expect(offered[1]).toEqual(['b']); // a was paced, so only b was offered
    expect(clock.pendingTimers()).toBe(0);
    await pool.close();
  });

  it('holds a kind to its pool-wide rate (token bucket) while other kinds run freely', async () => {
    const clock = new VirtualClock();
    const pool = createPool<null>({
      strategy: rotating(),
      clock,
      rates: { sending: { perSecond: 2, burst: 1 } },
    });
    for (let i = 0; i < 5; i++) pool.addWorker({ id: `w${i}`, resource: null, capacity: 5 });
    const starts: number[] = [];
    const sends = Array.from({ length: 5 }, () =>
      pool.submit({
        kind: 'sending',
        run: () => {
          starts.push(clock.now());
        },
      }),
    );
    const other = await pool.submit({ kind: 'scraping', run: () => clock.now() });
    expect(other).toBe(0);
    expect(pool.snapshot().metrics.queuedByKind.sending).toBe(4); // waiting for tokens, holding no worker
    expect(pool.snapshot().inFlight).toBe(0);
    await clock.runAll();
    await Promise.all(sends);
    expect(starts).toEqual([0, 500, 1000, 1500, 2000]);
    expect(clock.pendingTimers()).toBe(0);
    await pool.close();
    expect(() => createPool({ strategy: rotating(), rates: { sending: { perSecond: 0 } } })).toThrow(
      /options\.rates\.sending\.perSecond/,
    );
  });

  it('spreads a burst: in-flight counts update at each assignment', async () => {
    const clock = new VirtualClock();
    const pool = createPool<null>({
      clock,
      strategy: {
        name: 'least-in-flight',
        select: (_t, c) => c.reduce((a, b) => (b.inFlight / b.capacity < a.inFlight / a.capacity ? b : a)),
      },
    });
    for (const id of ['a', 'b', 'c']) pool.addWorker({ id, resource: null, capacity: 10 });
    const runs = Array.from({ length: 30 }, () =>
      pool.submit({
        run: async ({ worker }) => {
          await sleep(clock, 1000);
          return worker;
        },
      }),
    );
    await clock.advance(0);
    expect(pool.snapshot().workers.map((w) => w.inFlight)).toEqual([10, 10, 10]);
    await clock.runAll();
    const counts: Record<string, number> = {};
    for (const w of await Promise.all(runs)) counts[w] = (counts[w] ?? 0) + 1;
    expect(counts).toEqual({ a: 10, b: 10, c: 10 });
    await pool.close();
  });

  it('emits typed events for a task life cycle and worker states', async () => {
    const { pool, events, clock } = setup({ workers: 1 });
    const p = pool.submit({
      run: async () => {
        await sleep(clock, 25);
        return 1;
      },
    });
    await clock.runAll();
    await p;
    const types = events.filter((e) => e.type.startsWith('task-')).map((e) => e.type);
    expect(types).toEqual(['task-queued', 'task-assigned', 'task-succeeded']);
    const done = events.find((e) => e.type === 'task-succeeded');
    expect(done).toMatchObject({ worker: 'w0', latencyMs: 25 });
    const states = events
      .filter((e) => e.type === 'worker-state')
      .map((e) => e.type === 'worker-state' && `${e.from}>${e.to}`);
    expect(states).toEqual(['connected>busy', 'busy>connected']);
    await pool.close();
  });

  it('reports a snapshot with per-worker stats, queue depth, metrics by kind and latency percentiles', async () => {
    const { pool, clock } = setup({ workers: 2 });
    const runs = [10, 20, 30, 40].map((ms) => pool.submit({ kind: 'sending', run: () => sleep(clock, ms) }));
    pool.submit({ kind: 'scraping', requires: ['nope'], run: () => undefined }).catch(() => {});
    await clock.advance(0);
    let snap = pool.snapshot();
    expect(snap.inFlight).toBe(2);
    expect(snap.queued).toBe(3);
    // Only the kinds used appear: core knows no operation kinds of its own.
    expect({ ...snap.metrics.inFlightByKind }).toEqual({ sending: 2, scraping: 0 });
    await clock.runAll();
    await Promise.all(runs);
    snap = pool.snapshot();
    expect(snap.metrics.completedByKind.sending).toBe(4);
    expect(snap.metrics.latency).toMatchObject({ count: 4, p50: 20, max: 40 });
    expect(snap.workers[0]).toMatchObject({
      id: 'w0',
      state: 'connected',
      inFlight: 0,
      capacity: 1,
      capabilities: [],
    });
    expect(snap.workers[0]!.stats.completed + snap.workers[1]!.stats.completed).toBe(4);
    await pool.close({ drain: false });
  });
});

describe('validation', () => {
  it('rejects bad options with an error naming the field', () => {
    expect(() =>
      createPool({ strategy: { name: 'x', select: () => undefined }, limits: { scrape: 0 } }),
    ).toThrow(/options\.limits\.scrape: /);
    expect(() => createPool({ strategy: {} as never })).toThrow(ValidationError);
    try {
      createPool({ strategy: { name: 'x', select: () => undefined }, retry: { retries: -1 } });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('options.retry.retries');
    }
  });

  it('rejects a bad task before anything runs', async () => {
    const { pool } = setup();
    let ran = 0;
    const bad = [
      { run: 'nope' },
      { run: () => ran++, priority: 1.5 },
      { run: () => ran++, timeoutMs: -1 },
      { run: () => ran++, requires: [''] },
      { run: () => ran++, bogus: true },
    ];
    for (const task of bad) await expect(pool.submit(task as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(pool.submit({ run: () => ran++, priority: 1.5 })).rejects.toThrow(/task\.priority/);
    expect(ran).toBe(0);
    expect(pool.snapshot().metrics.submitted).toBe(0);
    await pool.close();
  });

  it('rejects duplicate worker ids and bad worker specs', async () => {
    const { pool } = setup();
    expect(() => pool.addWorker({ id: 'w0', resource: 1 })).toThrow(
      /worker\.id: a worker with id "w0" exists/,
    );
    expect(() => pool.addWorker({ id: 'x', resource: 1, capacity: 0 })).toThrow(/worker\.capacity/);
    await pool.close();
  });

  it('refuses work after close', async () => {
    const { pool } = setup();
    await pool.close();
    await expect(pool.submit({ run: () => 1 })).rejects.toBeInstanceOf(PoolClosedError);
    expect(() => pool.addWorker({ id: 'z', resource: 1 })).toThrow(PoolClosedError);
  });
});
