import { type LoadEvent, ValidationError } from '@switchyard/core';
import { registerPoolMetrics } from '@switchyard/core/metrics';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { classifyCarried, FailsAs, sleep, track, virtualPool } from './helpers.js';

/** Every sample of a Prometheus text exposition: name, labels and value. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k as string] = v as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample with this name and (at least) these labels; 0 when there is none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

function setup() {
  const registry = new Registry();
  const { clock, pool } = virtualPool<null>({
    classify: classifyCarried,
    retry: { retries: 2, minTimeoutMs: 1000, randomize: false },
  });
  pool.addWorker({ id: 'a', resource: null });
  pool.addWorker({ id: 'b', resource: null, capacity: 2 });
  return { registry, clock, pool };
}

describe('registerPoolMetrics', () => {
  it('counts outcomes, retries, flood waits and latencies by kind as the events report them', async () => {
    const { registry, clock, pool } = setup();
    const metrics = registerPoolMetrics(pool, { registry });
    const send = (ms: number) =>
      track(pool.submit({ kind: 'send', run: ({ signal }) => sleep(clock, ms, signal) }));

    const ok = [send(100), send(200), send(300)];
    const bad = track(
      pool.submit({
        kind: 'send',
        run: () => Promise.reject(new FailsAs({ kind: 'permanent' })),
      }),
    );
    let scrapeRuns = 0;
    const flaky = track(
      pool.submit({
        kind: 'scrape',
        run: async () => {
          await sleep(clock, 50);
          if (++scrapeRuns === 1) throw new FailsAs({ kind: 'transient' });
          return 'scraped';
        },
      }),
    );
    let floodRuns = 0;
    const flooded = track(
      pool.submit({
        kind: 'send',
        run: async () => {
          if (++floodRuns === 1) throw new FailsAs({ kind: 'rate-limited', retryAfterMs: 7000 });
          return 'sent';
        },
      }),
    );
    const aborter = new AbortController();
    const cancelled = track(
      pool.submit({
        kind: 'send',
        signal: aborter.signal,
        run: ({ signal }) => sleep(clock, 10_000, signal),
      }),
    );
    const timedOut = track(
      pool.submit({ kind: 'scrape', timeoutMs: 500, run: ({ signal }) => sleep(clock, 60_000, signal) }),
    );
    await clock.advance(10);
    aborter.abort();
    await clock.runAll();
    await pool.onIdle();

    for (const t of [...ok, flaky, flooded]) expect(t.ok).toBe(true);
    for (const t of [bad, cancelled, timedOut]) expect(t.ok).toBe(false);

    const text = await registry.metrics();
    const tasks = (kind: string, outcome: string) => value(text, 'switchyard_tasks_total', { kind, outcome });
    expect(tasks('send', 'succeeded')).toBe(4);
    expect(tasks('send', 'failed')).toBe(1);
    expect(tasks('send', 'cancelled')).toBe(1);
    expect(tasks('scrape', 'succeeded')).toBe(1);
    expect(tasks('scrape', 'timed_out')).toBe(1);
    expect(value(text, 'switchyard_task_retries_total', { kind: 'scrape' })).toBe(1);
    // A flood wait requeues the task without spending an attempt.
    expect(value(text, 'switchyard_task_retries_total', { kind: 'send' })).toBe(0);
    expect(value(text, 'switchyard_task_failures_total', { kind: 'send', failure: 'rate-limited' })).toBe(1);
    expect(value(text, 'switchyard_task_failures_total', { kind: 'send', failure: 'permanent' })).toBe(1);
    expect(value(text, 'switchyard_task_failures_total', { kind: 'scrape', failure: 'transient' })).toBe(1);

    const rateLimits = samples(text).filter((s) => s.name === 'switchyard_rate_limits_total');
    expect(rateLimits).toHaveLength(1);
    expect(rateLimits[0]?.value).toBe(1);
    const worker = rateLimits[0]?.labels.worker as string;
    expect(['a', 'b']).toContain(worker);
    expect(value(text, 'switchyard_rate_limit_wait_seconds_total', { worker })).toBe(7);

    // Every run: 4 successes and 2 failed runs of send; 1 success and 1 failed run of scrape.
    const count = (kind: string, outcome: string) =>
      value(text, 'switchyard_task_duration_seconds_count', { kind, outcome });
    expect(count('send', 'succeeded')).toBe(4);
    expect(count('send', 'failed')).toBe(2);
    expect(count('scrape', 'succeeded')).toBe(1);
    expect(count('scrape', 'failed')).toBe(1);
    expect(
      value(text, 'switchyard_task_duration_seconds_sum', { kind: 'scrape', outcome: 'succeeded' }),
    ).toBe(0.05);
    expect(
      value(text, 'switchyard_task_duration_seconds_bucket', {
        kind: 'send',
        outcome: 'succeeded',
        le: '0.1',
      }),
    ).toBe(2); // the 100 ms run and the flooded task's instant second run
    expect(
      value(text, 'switchyard_task_duration_seconds_bucket', {
        kind: 'send',
        outcome: 'succeeded',
        le: '0.25',
      }),
    ).toBe(3);

    // The counters agree with the pool's own.
    const m = pool.snapshot().metrics;
    const all = samples(text).filter((s) => s.name === 'switchyard_tasks_total');
    const sum = (outcome: string) =>
      all.filter((s) => s.labels.outcome === outcome).reduce((n, s) => n + s.value, 0);
    expect(sum('succeeded')).toBe(m.succeeded);
    expect(sum('failed')).toBe(m.failed);
    expect(sum('cancelled') + sum('timed_out')).toBe(m.cancelled);
    expect(all.reduce((n, s) => n + s.value, 0)).toBe(m.submitted);
    expect(value(text, 'switchyard_task_retries_total', { kind: 'scrape' })).toBe(m.retries);
    expect(rateLimits[0]?.value).toBe(m.rateLimited);

    metrics.unregister();
    await pool.close();
  });

  it('reads queue depth, in-flight, capacity and worker state from snapshot() at scrape time', async () => {
    const { registry, clock, pool } = setup();
    pool.addWorker({ id: 'c', resource: null });
    registerPoolMetrics(pool, { registry, prefix: 'fleet_', labels: { pool: 'test' } });
    pool.backoffWorker('c', 60_000, 'flood');
    for (let i = 0; i < 6; i++) void pool.submit({ run: () => sleep(clock, 1000) });
    await clock.advance(0);

    let text = await registry.metrics();
    const snap = pool.snapshot();
    expect(snap.queued).toBe(3);
    expect(value(text, 'fleet_queue_depth', { pool: 'test' })).toBe(snap.queued);
    expect(value(text, 'fleet_workers', { pool: 'test' })).toBe(3);
    for (const w of snap.workers) {
      expect(value(text, 'fleet_worker_in_flight', { pool: 'test', worker: w.id })).toBe(w.inFlight);
      expect(value(text, 'fleet_worker_capacity', { pool: 'test', worker: w.id })).toBe(w.capacity);
      for (const state of ['connected', 'busy', 'backoff', 'disconnected'])
        expect(value(text, 'fleet_worker_state', { pool: 'test', worker: w.id, state })).toBe(
          w.state === state ? 1 : 0,
        );
    }
    expect(value(text, 'fleet_worker_state', { worker: 'c', state: 'backoff' })).toBe(1);
    expect(value(text, 'fleet_worker_in_flight', { worker: 'b' })).toBe(2);

    // Gauges follow the pool, with no event needed: a removed worker's series are gone.
    await clock.runAll();
    await pool.onIdle();
    await pool.removeWorker('a');
    text = await registry.metrics();
    expect(value(text, 'fleet_queue_depth')).toBe(0);
    expect(value(text, 'fleet_workers')).toBe(2);
    expect(samples(text).some((s) => s.labels.worker === 'a')).toBe(false);
    expect(value(text, 'fleet_worker_state', { worker: 'c', state: 'connected' })).toBe(1);
    await pool.close();
  });

  it('unregister() empties the registry and leaves no subscriber on events$', async () => {
    const { registry, clock, pool } = setup();
    const events = new Subject<LoadEvent>();
    const feed = pool.events$.subscribe(events);
    const metrics = registerPoolMetrics({ events$: events, snapshot: () => pool.snapshot() }, { registry });
    expect(events.observed).toBe(true);
    const done = pool.submit({ run: () => sleep(clock, 1) });
    await clock.runAll();
    await done;
    expect(registry.getMetricsAsArray().length).toBeGreaterThan(0);

    metrics.unregister();
    expect(events.observed).toBe(false);
    expect(registry.getMetricsAsArray()).toEqual([]);
    expect(await registry.metrics()).toBe('\n');
    metrics.unregister(); // a second call does nothing

    // The names are free again: registering anew starts from zero.
    const again = registerPoolMetrics(pool, { registry });
    expect(value(await registry.metrics(), 'switchyard_tasks_total')).toBe(0);
    again.unregister();
    feed.unsubscribe();
    await pool.close();
  });

  it('lets pools share a registry, told apart by their labels', async () => {
    const registry = new Registry();
    const one = virtualPool<null>();
    const two = virtualPool<null>();
    one.pool.addWorker({ id: 'w', resource: null });
    two.pool.addWorker({ id: 'w', resource: null });
    const m1 = registerPoolMetrics(one.pool, { registry, labels: { pool: 'one' } });
    const m2 = registerPoolMetrics(two.pool, { registry, labels: { pool: 'two' } });
    const p1 = one.pool.submit({ kind: 'x', run: () => 1 });
    const p2 = [two.pool.submit({ kind: 'x', run: () => 2 }), two.pool.submit({ kind: 'x', run: () => 3 })];
    await Promise.all([p1, ...p2]);

    let text = await registry.metrics();
    expect(value(text, 'switchyard_tasks_total', { pool: 'one', kind: 'x' })).toBe(1);
    expect(value(text, 'switchyard_tasks_total', { pool: 'two', kind: 'x' })).toBe(2);
    expect(value(text, 'switchyard_workers', { pool: 'one' })).toBe(1);
    expect(value(text, 'switchyard_workers', { pool: 'two' })).toBe(1);

    expect(() => registerPoolMetrics(two.pool, { registry, labels: { pool: 'one' } })).toThrow(
      /another pool is registered with this registry, prefix and labels/,
    );
    expect(() => registerPoolMetrics(two.pool, { registry, labels: { shard: 'one' } })).toThrow(
      /label names of the pools already registered.*\(pool\)/,
    );
    expect(() => registerPoolMetrics(two.pool, { registry, labels: { pool: 'x' }, buckets: [1] })).toThrow(
      ValidationError,
    );

    m1.unregister();
    text = await registry.metrics();
    expect(samples(text).some((s) => s.labels.pool === 'one')).toBe(false);
    expect(value(text, 'switchyard_tasks_total', { pool: 'two', kind: 'x' })).toBe(2);
    m2.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
    await Promise.all([one.pool.close(), two.pool.close()]);
  });

  it('refuses what is not a pool, bad options and a taken name, registering nothing', async () => {
    const registry = new Registry();
    const { pool } = virtualPool<null>();
    const fieldOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).field;
      }
      throw new Error('did not throw');
    };
    const bad = (p: unknown) => fieldOf(() => registerPoolMetrics(p as never, { registry }));
    expect(bad(undefined)).toBe('pool');
    expect(bad({ snapshot: () => ({}) })).toBe('pool');
    expect(bad({ events$: {}, snapshot: () => ({}) })).toBe('pool');
    expect(() => registerPoolMetrics({} as never, { registry })).toThrow(
      /pool: must be a pool from createPool \(with events\$ and snapshot\(\)\), got object/,
    );
    const opt = (o: unknown) => fieldOf(() => registerPoolMetrics(pool, o as never));
    expect(opt({ registry: {} })).toBe('options.registry');
    expect(opt({ registry, prefix: '1x_' })).toBe('options.prefix');
    expect(opt({ registry, labels: { kind: 'x' } })).toBe('options.labels.kind');
    expect(opt({ registry, labels: { __x: 'x' } })).toBe('options.labels.__x');
    expect(opt({ registry, labels: { pool: 1 } })).toBe('options.labels.pool');
    expect(opt({ registry, buckets: [1, 0.5] })).toBe('options.buckets');
    expect(opt({ registry, colour: 'red' })).toBe('options');
    expect(registry.getMetricsAsArray()).toEqual([]);

    const { Counter } = await import('prom-client');
    new Counter({ name: 'switchyard_tasks_total', help: 'someone else', registers: [registry] });
    expect(() => registerPoolMetrics(pool, { registry })).toThrow(
      /options.prefix: the registry already has a metric named switchyard_tasks_total/,
    );
    expect(registry.getMetricsAsArray()).toHaveLength(1);
    await pool.close();
  });

  it('starts afresh after registry.clear(), and the old registration leaves the new one alone', async () => {
    const registry = new Registry();
    const { pool } = virtualPool<null>();
    pool.addWorker({ id: 'w', resource: null });
    const old = registerPoolMetrics(pool, { registry });
    registry.clear();
    const fresh = registerPoolMetrics(pool, { registry });
    old.unregister();
    await pool.submit({ kind: 'x', run: () => 1 });
    const text = await registry.metrics();
    expect(value(text, 'switchyard_tasks_total', { kind: 'x', outcome: 'succeeded' })).toBe(1);
    expect(value(text, 'switchyard_workers')).toBe(1);
    fresh.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
    await pool.close();
  });

  it("uses prom-client's global register by default", async () => {
    const { register } = await import('prom-client');
    const { pool } = virtualPool<null>();
    const metrics = registerPoolMetrics(pool);
    expect(register.getSingleMetric('switchyard_queue_depth')).toBeDefined();
    metrics.unregister();
    expect(register.getSingleMetric('switchyard_queue_depth')).toBeUndefined();
    await pool.close();
  });
});
