import { createPool, type PoolOptions, TaskTimeoutError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { classifyCarried, FailsAs, rotating } from './helpers.js';

// A retry that is due at once must still let timers run: here, the task's own 50 ms timeout on
// the system clock. A pool that re-runs such a retry in a pure microtask loop never gets there.
// The loop cannot be interrupted from outside, so `run` ends it itself once far more real time
// than the timeout has passed, returning 'starved': the task then succeeds instead of timing out.

const TIMEOUT_MS = 50;
const GIVE_UP_AFTER_MS = 1500;

async function runUntilTimeout(options: Partial<PoolOptions<null>>, failure: () => Error) {
  const pool = createPool<null>({ strategy: rotating(), ejection: false, ...options });
  pool.addWorker({ id: 'w', resource: null });
  const started = performance.now();
  let runs = 0;
  const outcome = await pool
    .submit({
      timeoutMs: TIMEOUT_MS,
      run: () => {
        runs++;
        if (performance.now() - started > GIVE_UP_AFTER_MS) return 'starved';
        throw failure();
      },
    })
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  const elapsedMs = performance.now() - started;
  await pool.close({ drain: false });
  return { outcome, elapsedMs, runs };
}

describe('retries due at once do not starve the event loop', () => {
  it('a task rate-limited with retryAfterMs 0 and scope task still times out', async () => {
    const { outcome, elapsedMs } = await runUntilTimeout(
      { classify: classifyCarried },
      () => new FailsAs({ kind: 'rate-limited', retryAfterMs: 0, scope: 'task' }),
    );
    expect(outcome).toEqual({ error: expect.any(TaskTimeoutError) });
    expect(elapsedMs).toBeLessThan(GIVE_UP_AFTER_MS);
  }, 10_000);

  it('a transient failure retried with retries Infinity and minTimeoutMs 0 still times out', async () => {
    const { outcome, elapsedMs } = await runUntilTimeout(
      { retry: { retries: Number.POSITIVE_INFINITY, minTimeoutMs: 0 } },
      () => new Error('flaky'),
    );
    expect(outcome).toEqual({ error: expect.any(TaskTimeoutError) });
    expect(elapsedMs).toBeLessThan(GIVE_UP_AFTER_MS);
  }, 10_000);
});
