import { createPool, type LoadEvent, type Pool, VirtualClock } from '@switchyard/core';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultEjection, ejectionCap, inPanic } from '../src/pool/ejection.js';
import { rotating, sleep, track } from './helpers.js';

type Ejection = NonNullable<Exclude<Parameters<typeof createPool>[0]['ejection'], false>>;

/** A pool of `n` workers on virtual time, each with its own id as its only capability. */
function fleet(n: number, ejection: Ejection = {}) {
  const clock = new VirtualClock();
  const pool = createPool<null>({ strategy: rotating(), clock, retry: { retries: 0 }, ejection });
  for (let i = 0; i < n; i++) pool.addWorker({ id: `w${i}`, resource: null, capabilities: [`w${i}`] });
  const events: LoadEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  return { clock, pool, events };
}

/** Run a task on `worker` (by its capability) that fails or succeeds, and wait for it. */
async function runOn(pool: Pool<null>, clock: VirtualClock, worker: string, fails: boolean): Promise<void> {
  const t = track(
    pool.submit({
      requires: [worker],
      run: () => {
        if (fails) throw new Error('down');
        return 'ok';
      },
    }),
  );
  await clock.advance(0);
  expect(t.done).toBe(true);
}

/** How long, on the virtual clock, a task submitted now waits until it has run (capped at `limitMs`). */
async function timeToRun(pool: Pool<null>, clock: VirtualClock, limitMs = 120_000): Promise<number> {
  const start = clock.now();
  const t = track(pool.submit({ run: () => sleep(clock, 10) }));
  while (!t.done && clock.now() - start < limitMs) await clock.advance(100);
  expect(t.ok).toBe(true);
  return clock.now() - start;
}

const stateOf = (pool: Pool<null>, id: string) => pool.snapshot().workers.find((w) => w.id === id);

describe('an outage shared by every worker', () => {
  it('never ejects them all: a task submitted after each one-second blip runs at once', async () => {
    // The default policy: 5 consecutive failures eject for 10 s, doubling.
    const { clock, pool } = fleet(4);
    let outageUntil = 0;
    const waits: number[] = [];
    for (let blip = 0; blip < 3; blip++) {
      outageUntil = clock.now() + 1000;
      const burst = Array.from({ length: 40 }, () =>
        track(
          pool.submit({
            run: async () => {
              await sleep(clock, 10);
              if (clock.now() < outageUntil) throw new Error('downstream unavailable');
            },
          }),
        ),
      );
      await clock.advanceTo(outageUntil);
      expect(burst.every((t) => t.done)).toBe(true);
      waits.push(await timeToRun(pool, clock));
    }
    // Every wait is one task's own 10 ms run (seen in 100 ms steps); without a cap each was
    // about 10 s, then 20 s, then 40 s.
    expect(waits).toEqual([100, 100, 100]);
    expect(pool.snapshot().ejection.panic).toBe(false);
    await pool.close();
  });
});

describe('the ejection cap', () => {
  it('ejects at most maxEjectionPercent of the workers and reports each refusal', async () => {
    const { clock, pool, events } = fleet(10, {
      consecutiveFailures: 1,
      baseEjectionMs: 60_000,
      maxEjectionPercent: 30,
    });
    for (let i = 0; i < 10; i++) await runOn(pool, clock, `w${i}`, true);
    const snap = pool.snapshot();
    expect(snap.ejection).toEqual({ panic: false, ejected: 3, maxEjected: 3, healthy: 7, workers: 10 });
    expect(snap.workers.filter((w) => w.state === 'backoff').map((w) => w.id)).toEqual(['w0', 'w1', 'w2']);
    expect(snap.workers[0]?.ejectedUntil).toBe(60_000);
    expect(snap.workers[3]?.ejectedUntil).toBeUndefined();
    const refused = events.filter((e) => e.type === 'ejection-refused');
    expect(refused).toHaveLength(7);
    expect(refused[0]).toEqual({ type: 'ejection-refused', at: 0, worker: 'w3', ejected: 3, maxEjected: 3 });
    await pool.close();
  });

  it('always allows one ejection, as Envoy does, and none at 0 %', async () => {
    const small = fleet(2, { consecutiveFailures: 1, baseEjectionMs: 60_000, maxEjectionPercent: 10 });
    for (const id of ['w0', 'w1']) await runOn(small.pool, small.clock, id, true);
    expect(small.pool.snapshot().ejection).toMatchObject({ ejected: 1, maxEjected: 1 });
    await small.pool.close();
    const off = fleet(2, { consecutiveFailures: 1, maxEjectionPercent: 0 });
    for (const id of ['w0', 'w1']) await runOn(off.pool, off.clock, id, true);
    expect(off.pool.snapshot().ejection).toMatchObject({ ejected: 0, maxEjected: 0, healthy: 2 });
    expect(off.events.filter((e) => e.type === 'ejection-refused')).toHaveLength(2);
    await off.pool.close();
  });

  it('counts only workers that are neither dead nor being removed', () => {
    expect(ejectionCap(4, defaultEjection)).toBe(2);
    expect(ejectionCap(1, defaultEjection)).toBe(1);
    expect(ejectionCap(0, defaultEjection)).toBe(0);
    expect(ejectionCap(3, { ...defaultEjection, maxEjectionPercent: 100 })).toBe(3);
  });
});

describe('panic mode', () => {
  const options = {
    consecutiveFailures: 1,
    baseEjectionMs: 60_000,
    maxEjectionPercent: 100,
    healthyPanicThreshold: 50,
    panicHysteresisPercent: 25,
  };

  it('starts below the healthy threshold and lets ejected workers take tasks', async () => {
    const { clock, pool, events } = fleet(4, options);
    await runOn(pool, clock, 'w0', true);
    await runOn(pool, clock, 'w1', true);
    // 2 of 4 healthy is 50 %: not below the threshold.
    expect(pool.snapshot().ejection).toMatchObject({ panic: false, ejected: 2, healthy: 2 });
    const waiting = track(pool.submit({ requires: ['w0'], run: () => 'ran on w0' }));
    await clock.advance(1000);
    expect(waiting.done).toBe(false);
    await runOn(pool, clock, 'w2', true);
    const panic = events.filter((e) => e.type === 'panic-mode');
    expect(panic).toEqual([{ type: 'panic-mode', at: 1000, active: true, healthy: 1, workers: 4 }]);
    await clock.advance(0);
    expect(waiting.value).toBe('ran on w0');
    // That success ended w0's ejection; 2 of 4 healthy is still short of the 75 % that ends panic.
    const snap = pool.snapshot();
    expect(snap.ejection).toEqual({ panic: true, ejected: 2, maxEjected: 4, healthy: 2, workers: 4 });
    expect(snap.workers.map((w) => w.state)).toEqual(['connected', 'connected', 'connected', 'connected']);
    expect(snap.workers[2]?.ejectedUntil).toBe(61_000);
    expect(events.some((e) => e.type === 'worker-state' && e.worker === 'w1' && e.reason === 'panic')).toBe(
      true,
    );
    await pool.close();
  });

  it('ends only at the threshold plus the hysteresis, and ejected workers go back out', async () => {
    const { clock, pool, events } = fleet(4, options);
    for (const id of ['w0', 'w1', 'w2']) await runOn(pool, clock, id, true);
    expect(pool.snapshot().ejection.panic).toBe(true);
    // A success ends the ejection of a worker panic mode let in: 2 of 4 healthy, 50 %, is not
    // yet the 75 % that ends panic mode.
    await runOn(pool, clock, 'w0', false);
    expect(pool.snapshot().ejection).toMatchObject({ panic: true, ejected: 2, healthy: 2 });
    await clock.advance(5000);
    await runOn(pool, clock, 'w1', false);
    expect(pool.snapshot().ejection).toMatchObject({ panic: false, ejected: 1, healthy: 3 });
    expect(events.filter((e) => e.type === 'panic-mode')).toEqual([
      { type: 'panic-mode', at: 0, active: true, healthy: 1, workers: 4 },
      { type: 'panic-mode', at: 5000, active: false, healthy: 3, workers: 4 },
    ]);
    // w2 is still ejected: back in backoff until its ejection ends, and no task runs there.
    expect(stateOf(pool, 'w2')).toMatchObject({
      state: 'backoff',
      backoffUntil: 60_000,
      ejectedUntil: 60_000,
    });
    const onW2 = track(pool.submit({ requires: ['w2'], run: () => clock.now() }));
    await clock.advanceTo(59_999);
    expect(onW2.done).toBe(false);
    await clock.advanceTo(60_000);
    expect(onW2.value).toBe(60_000);
    await pool.close();
  });

  it('ends when ejections run out on time, without any task', async () => {
    const { clock, pool, events } = fleet(2, { ...options, baseEjectionMs: 1000 });
    await runOn(pool, clock, 'w0', true);
    await runOn(pool, clock, 'w1', true);
    expect(pool.snapshot().ejection.panic).toBe(true);
    await clock.advance(1000);
    expect(pool.snapshot().ejection).toEqual({
      panic: false,
      ejected: 0,
      maxEjected: 2,
      healthy: 2,
      workers: 2,
    });
    expect(
      events.filter((e) => e.type === 'panic-mode').map((e) => e.type === 'panic-mode' && e.active),
    ).toEqual([true, false]);
    await pool.close();
  });

  it('ends when disconnected workers die and no longer count', async () => {
    const { clock, pool, events } = fleet(4, { ...options, panicHysteresisPercent: 0 });
    pool.reportConnection('w1', 'disconnected');
    pool.reportConnection('w2', 'disconnected');
    await runOn(pool, clock, 'w0', true);
    expect(pool.snapshot().ejection).toMatchObject({ panic: true, healthy: 1, workers: 4 });
    pool.reportConnection('w1', 'dead');
    pool.reportConnection('w2', 'dead');
    // w3 is 1 of 2: 50 %, the threshold, so panic mode is over at once.
    expect(pool.snapshot().ejection).toMatchObject({ panic: false, healthy: 1, workers: 2 });
    expect(events.filter((e) => e.type === 'panic-mode').at(-1)).toMatchObject({ active: false, workers: 2 });
    await pool.close();
  });

  it('never cuts a rate limit: an ejected worker that is also rate-limited waits that out', async () => {
    const { clock, pool, events } = fleet(2, { ...options, baseEjectionMs: 10_000 });
    const first = track(
      pool.submit({
        requires: ['w0'],
        run: async () => {
          await sleep(clock, 100);
          throw new Error('down');
        },
      }),
    );
    await clock.advance(50);
    pool.backoffWorker('w0', 5000, 'flood-wait');
    await clock.advance(50);
    expect(first.ok).toBe(false);
    // w0 is ejected until 10 100 and must wait until 5 050 in any case; 1 of 2 healthy is no panic.
    expect(stateOf(pool, 'w0')).toMatchObject({
      state: 'backoff',
      backoffUntil: 10_100,
      ejectedUntil: 10_100,
    });
    expect(pool.snapshot().ejection.panic).toBe(false);
    // w1 is told to wait a minute: none healthy, panic mode. It cuts w0's ejection, not its wait.
    pool.backoffWorker('w1', 60_000, 'flood-wait');
    expect(pool.snapshot().ejection).toMatchObject({ panic: true, ejected: 1, healthy: 0 });
    expect(stateOf(pool, 'w0')).toMatchObject({ state: 'backoff', backoffUntil: 5050 });
    expect(events.at(-1)).toMatchObject({
      type: 'worker-state',
      worker: 'w0',
      reason: 'panic',
      backoffMs: 4950,
    });
    const next = track(pool.submit({ run: ({ worker }) => `${worker} at ${clock.now()}` }));
    await clock.advanceTo(5049);
    expect(next.done).toBe(false);
    await clock.advanceTo(5050);
    expect(next.value).toBe('w0 at 5050');
    await pool.close();
  });

  it('is off at a threshold of 0, and with ejection off', async () => {
    const { clock, pool, events } = fleet(1, { ...options, healthyPanicThreshold: 0 });
    await runOn(pool, clock, 'w0', true);
    expect(pool.snapshot().ejection).toEqual({
      panic: false,
      ejected: 1,
      maxEjected: 1,
      healthy: 0,
      workers: 1,
    });
    expect(events.some((e) => e.type === 'panic-mode')).toBe(false);
    await pool.close();
    const off = createPool<null>({ strategy: rotating(), ejection: false });
    off.addWorker({ id: 'w0', resource: null });
    expect(off.snapshot().ejection).toEqual({
      panic: false,
      ejected: 0,
      maxEjected: 0,
      healthy: 1,
      workers: 1,
    });
    await off.close();
  });

  it('has its hysteresis as a pure rule', () => {
    const o = { ...defaultEjection, healthyPanicThreshold: 50, panicHysteresisPercent: 10 };
    expect(inPanic(false, 2, 4, o)).toBe(false); // 50 %: not below
    expect(inPanic(false, 1, 4, o)).toBe(true); // 25 %
    expect(inPanic(true, 5, 10, o)).toBe(true); // 50 %: below 60 %
    expect(inPanic(true, 6, 10, o)).toBe(false); // 60 %
    expect(inPanic(true, 0, 0, o)).toBe(false); // no workers: nothing to route over
    expect(inPanic(true, 9, 10, { ...o, healthyPanicThreshold: 95 })).toBe(true); // exit capped at 100 %
    expect(inPanic(true, 10, 10, { ...o, healthyPanicThreshold: 95 })).toBe(false);
  });

  it('warns only when panic mode lets ejected workers in, not while workers are still connecting', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const clock = new VirtualClock();
    const pool = createPool<null>({
      strategy: rotating(),
      clock,
      retry: { retries: 0 },
      ejection: options,
      logger,
    });
    // Workers that have not connected yet, as sessions are before their first connect().
    for (let i = 0; i < 4; i++) {
      pool.addWorker({ id: `w${i}`, resource: null, capabilities: [`w${i}`] });
      pool.reportConnection(`w${i}`, 'disconnected', 'connecting');
    }
    for (let i = 0; i < 4; i++) pool.reportConnection(`w${i}`, 'connected', 'connected');
    const panicLines = () => lines.filter((l) => l.msg.startsWith('panic mode'));
    expect(panicLines().length).toBeGreaterThan(0);
    expect(panicLines().every((l) => l.level === 20)).toBe(true);
    // Three workers ejected: panic mode lets them back in, which an operator should hear of.
    for (const id of ['w0', 'w1', 'w2']) await runOn(pool, clock, id, true);
    await clock.advance(0);
    expect(pool.snapshot().ejection.panic).toBe(true);
    expect(panicLines().at(-1)).toMatchObject({ level: 40, msg: 'panic mode: ejected workers take tasks' });
    await pool.close();
  });
});
