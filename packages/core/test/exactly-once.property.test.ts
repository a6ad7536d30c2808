import { createPool, type Failure, type LoadEvent, seededRandom, VirtualClock } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sleep } from './helpers.js';

type Outcome = 'ok' | 'transient' | 'permanent' | 'fatal' | 'unknown' | { flood: number } | { slow: number };

class Scripted extends Error {
  constructor(readonly outcome: Exclude<Outcome, 'ok'>) {
    super(typeof outcome === 'string' ? outcome : JSON.stringify(outcome));
  }
}

const classify = (error: unknown): Failure => {
  if (!(error instanceof Scripted)) return { kind: 'transient' };
  const o = error.outcome;
  if (o === 'transient') return { kind: 'transient' };
  if (o === 'permanent') return { kind: 'permanent' };
  if (o === 'fatal') return { kind: 'worker-fatal' };
  if (o === 'unknown') return { kind: 'unknown-outcome' };
  if ('flood' in o) return { kind: 'rate-limited', retryAfterMs: o.flood };
  return { kind: 'rate-limited', retryAfterMs: o.slow, scope: 'task' };
};

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('ok' as const) },
  { weight: 2, arbitrary: fc.constant('transient' as const) },
  { weight: 1, arbitrary: fc.constant('permanent' as const) },
  { weight: 1, arbitrary: fc.constant('fatal' as const) },
  { weight: 1, arbitrary: fc.constant('unknown' as const) },
  { weight: 1, arbitrary: fc.record({ flood: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 1, arbitrary: fc.record({ slow: fc.integer({ min: 1, max: 3000 }) }) },
);

const caps = ['a', 'b'] as const;

const scenarioArb = fc.record({
  workers: fc.array(
    fc.record({ capacity: fc.integer({ min: 1, max: 3 }), capabilities: fc.subarray([...caps]) }),
    { minLength: 1, maxLength: 5 },
  ),
  limit: fc.integer({ min: 1, max: 3 }),
  tasks: fc.array(
    fc.record({
      kind: fc.constantFrom('limited', 'free'),
      requires: fc.subarray([...caps], { maxLength: 1 }),
      anti: fc.subarray([0, 1, 2, 3, 4], { maxLength: 2 }),
      priority: fc.integer({ min: 0, max: 2 }),
      duration: fc.integer({ min: 0, max: 400 }),
      script: fc.array(outcomeArb, { maxLength: 4 }),
      idempotent: fc.boolean(),
      submitAt: fc.integer({ min: 0, max: 2000 }),
      cancelAt: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
      timeoutMs: fc.option(fc.integer({ min: 1, max: 6000 }), { nil: undefined }),
      pace: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 30 },
  ),
  faults: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 4000 }),
      worker: fc.integer({ min: 0, max: 4 }),
      what: fc.constantFrom('disconnect', 'reconnect', 'dead', 'backoff', 'remove'),
      ms: fc.integer({ min: 1, max: 3000 }),
    }),
    { maxLength: 6 },
  ),
  seed: fc.integer(),
});

describe('pool properties under random fleets, tasks and faults', () => {
  it('settles every task exactly once, respects eligibility, limits, capacity and backoff, and returns counters to zero', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        const clock = new VirtualClock();
        const pool = createPool<number>({
          strategy: {
            name: 'random',
            select: (() => {
              const rnd = seededRandom(sc.seed);
              return (_t, c) => c[Math.floor(rnd() * c.length)];
            })(),
          },
          clock,
          classify,
          random: seededRandom(sc.seed ^ 0x5eed),
          limits: { limited: sc.limit },
          rates: { free: { perSecond: 5, burst: 2 } },
          retry: { retries: 2, minTimeoutMs: 100, maxTimeoutMs: 1000, maxRateLimitWaitMs: 8000 },
          ejection: { consecutiveFailures: 3, baseEjectionMs: 500, maxEjectionMs: 2000 },
        });
        const ids = sc.workers.map((_, i) => `w${i}`);
        sc.workers.forEach((w, i) => {
          pool.addWorker({ id: ids[i]!, resource: i, capacity: w.capacity, capabilities: w.capabilities });
        });

        const violations: string[] = [];
        const backoffUntil = new Map<string, number>();
        const events: LoadEvent[] = [];
        pool.events$.subscribe((e) => {
          events.push(e);
          if (e.type === 'worker-state' && e.to === 'backoff' && e.backoffMs !== undefined) {
            backoffUntil.set(e.worker, e.at + e.backoffMs);
          }
          if (
            e.type === 'worker-state' &&
            e.from === 'backoff' &&
            e.to !== 'backoff' &&
            e.to !== 'disconnected'
          ) {
            const until = backoffUntil.get(e.worker) ?? 0;
            // Panic mode lets an ejected worker back in before its ejection ends.
            if (e.reason === 'panic') backoffUntil.set(e.worker, e.at);
            else if (e.at !== until) violations.push(`${e.worker} left backoff at ${e.at}, not ${until}`);
          }
        });
        const checkCounters = () => {
          const snap = pool.snapshot();
          for (const w of snap.workers) {
            if (w.inFlight > w.capacity) violations.push(`${w.id} in flight ${w.inFlight} > ${w.capacity}`);
          }
          if ((snap.metrics.inFlightByKind.limited ?? 0) > sc.limit) violations.push('kind limit exceeded');
        };

        const pacedUntil = new Map<string, number>();
        const settled = new Map<number, string>();
        const runsAfterSettle: number[] = [];
        const succeededRuns = new Map<number, number>();
        sc.tasks.forEach((t, index) => {
          clock.setTimeout(() => {
            const controller = new AbortController();
            if (t.cancelAt !== undefined) clock.setTimeout(() => controller.abort(), t.cancelAt);
            let attemptNo = 0;
            const anti = t.anti.filter((i) => i < ids.length).map((i) => ids[i]!);
            pool
              .submit({
                kind: t.kind,
                requires: t.requires,
                antiAffinity: anti,
                priority: t.priority,
                idempotent: t.idempotent,
                signal: controller.signal,
                ...(t.timeoutMs !== undefined ? { timeoutMs: t.timeoutMs } : {}),
                ...(t.pace !== undefined ? { pace: { intervalMs: t.pace } } : {}),
                run: async ({ worker, signal }) => {
                  if (settled.has(index)) runsAfterSettle.push(index);
                  const view = pool.getWorker(worker)!;
                  if (view.state !== 'connected' && view.state !== 'busy')
                    violations.push(`ran on ${worker} in ${view.state}`);
                  for (const cap of t.requires)
                    if (!view.capabilities.has(cap)) violations.push(`${worker} lacks ${cap}`);
                  if (anti.includes(worker)) violations.push(`${worker} is anti-affine`);
                  if ((backoffUntil.get(worker) ?? 0) > clock.now())
                    violations.push(`${worker} ran during backoff`);
                  if (t.pace !== undefined) {
                    const key = `${worker}/${t.kind}`;
                    if ((pacedUntil.get(key) ?? 0) > clock.now())
                      violations.push(`${key} started before its pace allowed`);
                    pacedUntil.set(key, clock.now() + t.pace);
                  }
                  checkCounters();
                  const outcome = t.script[attemptNo++] ?? 'ok';
                  await sleep(clock, t.duration, signal);
                  if (outcome !== 'ok') throw new Scripted(outcome);
                  succeededRuns.set(index, (succeededRuns.get(index) ?? 0) + 1);
                  return index;
                },
              })
              .then(
                (v) => {
                  if (settled.has(index)) violations.push(`task ${index} settled twice`);
                  if (v !== index) violations.push(`task ${index} got ${v}`);
                  settled.set(index, 'ok');
                },
                (e: unknown) => {
                  if (settled.has(index)) violations.push(`task ${index} settled twice`);
                  settled.set(index, (e as Error).name);
                },
              );
          }, t.submitAt);
        });
        for (const f of sc.faults) {
          clock.setTimeout(() => {
            const id = ids[f.worker];
            if (id === undefined || !pool.workerIds().includes(id)) return;
            if (f.what === 'disconnect') pool.reportConnection(id, 'disconnected');
            else if (f.what === 'reconnect') pool.reportConnection(id, 'connected');
            else if (f.what === 'dead') pool.reportConnection(id, 'dead');
            else if (f.what === 'backoff') pool.backoffWorker(id, f.ms);
            else void pool.removeWorker(id);
          }, f.at);
        }

        // Run the world for a while, checking invariants as we go; then close without draining.
        for (let t = 0; t < 40; t++) {
          await clock.advance(500);
          checkCounters();
        }
        await pool.close({ drain: false });
        await clock.runAll();

        expect(violations).toEqual([]);
        expect(runsAfterSettle).toEqual([]);
        // Every task settled (none lost), exactly once, and a success means exactly one successful run.
        expect(settled.size).toBe(sc.tasks.length);
        for (const [index, how] of settled) {
          if (how === 'ok') expect(succeededRuns.get(index)).toBe(1);
        }
        // Counters back to zero, nothing left scheduled.
        const snap = pool.snapshot();
        expect(snap.queued).toBe(0);
        expect(snap.inFlight).toBe(0);
        for (const w of snap.workers) expect(w.inFlight).toBe(0);
        for (const n of Object.values(snap.metrics.inFlightByKind)) expect(n).toBe(0);
        for (const n of Object.values(snap.metrics.queuedByKind)) expect(n).toBe(0);
        expect(clock.pendingTimers()).toBe(0);
        const tasksSucceeded = events.filter((e) => e.type === 'task-succeeded').length;
        expect(tasksSucceeded).toBe([...settled.values()].filter((h) => h === 'ok').length);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
