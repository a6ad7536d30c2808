import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decision, decideOutcome, defaultRetry, type OutcomeTask } from '../src/pool/outcome.js';
import type { Failure } from '../src/types.js';

// The failure policy is a pure function: these tests need no pool, no clock and no actor.

const task = (over: Partial<OutcomeTask> = {}): OutcomeTask => ({
  idempotent: false,
  retry: { ...defaultRetry, randomize: false, minTimeoutMs: 100 },
  retriesUsed: 0,
  rateLimitWaitMs: 0,
  pinnedHere: false,
  ...over,
});
const alive = { gone: false };
const gone = { gone: true };
const half = () => 0.5;

describe('decideOutcome', () => {
  it('transient: retries with p-retry backoff until the retries run out', () => {
    const first = decideOutcome({ kind: 'transient' }, task(), alive, half);
    expect(first).toMatchObject({ retry: true, waitMs: 100, newAttempt: true, retriesUsed: 1, pin: false });
    const third = decideOutcome({ kind: 'transient' }, task({ retriesUsed: 2 }), alive, half);
    expect(third).toMatchObject({ retry: true, waitMs: 400, retriesUsed: 3 });
    const last = decideOutcome({ kind: 'transient' }, task({ retriesUsed: 3 }), alive, half);
    expect(last).toMatchObject({ retry: false, why: 'retries exhausted' });
  });

  it('rate-limited on the worker: backs the worker off, moves the task at once, spends no attempt', () => {
    const d = decideOutcome({ kind: 'rate-limited', retryAfterMs: 5000 }, task(), alive, half);
    expect(d).toMatchObject({
      retry: true,
      waitMs: 0,
      newAttempt: false,
      backoffWorkerMs: 5000,
      rateLimitWaitMs: 5000,
    });
  });

  it('rate-limited on the task: only the task waits, the worker goes on', () => {
    const d = decideOutcome({ kind: 'rate-limited', retryAfterMs: 3000, scope: 'task' }, task(), alive, half);
    expect(d).toMatchObject({ retry: true, waitMs: 3000, backoffWorkerMs: undefined, newAttempt: false });
  });

  it('a zero-length rate limit still waits 1 ms and counts toward the budget, so it cannot loop forever', () => {
    const limited: Failure = { kind: 'rate-limited', retryAfterMs: 0, scope: 'task' };
    let t = task({ retry: { ...defaultRetry, maxRateLimitWaitMs: 3 } });
    const decisions: Decision[] = [];
    for (let i = 0; i < 10; i++) {
      const d = decideOutcome(limited, t, alive, half);
      decisions.push(d);
      if (!d.retry) break;
      t = { ...t, rateLimitWaitMs: d.rateLimitWaitMs };
    }
    expect(decisions.map((d) => d.retry)).toEqual([true, true, true, false]);
    expect(decisions.every((d) => d.waitMs >= 1 || !d.retry)).toBe(true);
  });

  it('retries: Infinity with a zero minimum still waits at least 1 ms between runs', () => {
    const d = decideOutcome(
      { kind: 'transient' },
      task({ retry: { ...defaultRetry, retries: Number.POSITIVE_INFINITY, minTimeoutMs: 0 } }),
      alive,
      half,
    );
    expect(d).toMatchObject({ retry: true, waitMs: 1 });
  });

  it('permanent: never retried', () => {
    expect(decideOutcome({ kind: 'permanent' }, task({ idempotent: true }), alive, half)).toMatchObject({
      retry: false,
      why: 'permanent',
    });
  });

  it('worker-fatal: the worker dies, the task moves, unless it is pinned there', () => {
    expect(decideOutcome({ kind: 'worker-fatal' }, task(), alive, half)).toMatchObject({
      retry: true,
      killWorker: true,
      waitMs: 0,
    });
    expect(decideOutcome({ kind: 'worker-fatal' }, task({ pinnedHere: true }), alive, half)).toMatchObject({
      retry: false,
      killWorker: true,
    });
  });

  it('unknown-outcome: retried on the same worker only when idempotent and the worker stays', () => {
    expect(decideOutcome({ kind: 'unknown-outcome' }, task(), alive, half)).toMatchObject({
      retry: false,
      why: 'the task is not idempotent',
    });
    expect(decideOutcome({ kind: 'unknown-outcome' }, task({ idempotent: true }), alive, half)).toMatchObject(
      {
        retry: true,
        pin: true,
      },
    );
    expect(decideOutcome({ kind: 'unknown-outcome' }, task({ idempotent: true }), gone, half)).toMatchObject({
      retry: false,
    });
  });

  it('a task pinned to a worker that is gone is never retried, whatever the failure', () => {
    for (const failure of [
      { kind: 'transient' },
      { kind: 'rate-limited', retryAfterMs: 10 },
      { kind: 'rate-limited', retryAfterMs: 10, scope: 'task' },
      { kind: 'unknown-outcome' },
      { kind: 'worker-fatal' },
    ] satisfies Failure[]) {
      const d = decideOutcome(failure, task({ idempotent: true, pinnedHere: true }), gone, half);
      expect(d.retry, failure.kind).toBe(false);
    }
  });

  it('for any failure and task: a retry always either moves at once off a worker that cannot loop, or waits ≥ 1 ms', () => {
    const failure: fc.Arbitrary<Failure> = fc.oneof(
      fc.constant({ kind: 'transient' } as const),
      fc.constant({ kind: 'permanent' } as const),
      fc.constant({ kind: 'worker-fatal' } as const),
      fc.constant({ kind: 'unknown-outcome' } as const),
      fc.record({
        kind: fc.constant('rate-limited' as const),
        retryAfterMs: fc.nat(100_000),
        scope: fc.constantFrom('worker' as const, 'task' as const),
      }),
    );
    fc.assert(
      fc.property(
        failure,
        fc.record({
          idempotent: fc.boolean(),
          retriesUsed: fc.nat(5),
          rateLimitWaitMs: fc.nat(1_000_000),
          pinnedHere: fc.boolean(),
          minTimeoutMs: fc.nat(1000),
        }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (f, t, isGone, r) => {
          const d = decideOutcome(
            f,
            task({ ...t, retry: { ...defaultRetry, minTimeoutMs: t.minTimeoutMs } }),
            { gone: isGone },
            () => r,
          );
          if (!d.retry) return;
          // A move at once happens only where the worker it failed on cannot take it straight back.
          if (d.waitMs === 0) expect(d.backoffWorkerMs !== undefined || d.killWorker).toBe(true);
          // Retries and rate-limit waits stay within their budgets.
          if (f.kind === 'transient' || f.kind === 'unknown-outcome')
            expect(d.retriesUsed).toBeLessThanOrEqual(defaultRetry.retries);
          if (f.kind === 'rate-limited')
            expect(d.rateLimitWaitMs).toBeLessThanOrEqual(defaultRetry.maxRateLimitWaitMs);
          if (t.pinnedHere && isGone) throw new Error('a task pinned to a gone worker was retried');
        },
      ),
    );
  });
});

describe('a task whose earlier outcome is unknown', () => {
  it('is still reported unknown-outcome when its transient or rate-limit retries run out; a permanent answer is kept', () => {
    const pinned = task({ pinnedHere: true, retriesUsed: 3 });
    expect(decideOutcome({ kind: 'transient' }, pinned, alive, half)).toMatchObject({
      retry: false,
      failAs: 'unknown-outcome',
    });
    expect(
      decideOutcome({ kind: 'rate-limited', retryAfterMs: 10 ** 9 }, task({ pinnedHere: true }), alive, half),
    ).toMatchObject({ retry: false, failAs: 'unknown-outcome' });
    expect(decideOutcome({ kind: 'permanent' }, pinned, alive, half)).toMatchObject({ failAs: 'permanent' });
    expect(decideOutcome({ kind: 'transient' }, task({ retriesUsed: 3 }), alive, half)).toMatchObject({
      failAs: 'transient',
    });
  });
});
