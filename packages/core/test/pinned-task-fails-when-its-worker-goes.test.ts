import { type Pool, TaskFailedError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { classifyCarried, FailsAs, sleep, track, virtualPool } from './helpers.js';

// After an unknown outcome an idempotent task may only run again on the same worker (its
// effect may already have happened there). When that worker goes, the task must fail, be
// reported like any other failure, and be counted.

const retry = { retries: 3, minTimeoutMs: 1000, randomize: false };
const lost = () => new FailsAs({ kind: 'unknown-outcome' });

describe('an idempotent task pinned to its worker after an unknown outcome', () => {
  it('fails when its worker dies while the retry runs and the retry fails transient', async () => {
    const { clock, pool, events } = virtualPool<null>({ classify: classifyCarried, retry });
    pool.addWorker({ id: 'w0', resource: null });
    const ranOn: string[] = [];
    const t = track(
      pool.submit({
        kind: 'sending',
        idempotent: true,
        run: async ({ worker, attempt }) => {
          ranOn.push(worker);
          if (attempt === 1) throw lost();
          await sleep(clock, 100);
          throw new FailsAs({ kind: 'transient' });
        },
      }),
    );
    await clock.advance(0);
    pool.addWorker({ id: 'w1', resource: null });
    await clock.advance(1050); // the retry started on w0 at 1000
    pool.reportConnection('w0', 'dead');
    await clock.advance(50); // and failed transient at 1100
    await clock.runAll();
    expect(t.error).toBeInstanceOf(TaskFailedError);
    expect(ranOn).toEqual(['w0', 'w0']);
    expect(
      events.filter((e) => e.type === 'task-failed').map((e) => e.type === 'task-failed' && e.willRetry),
    ).toEqual([true, false]);
    const snap = pool.snapshot();
    expect(snap).toMatchObject({ queued: 0, inFlight: 0 });
    expect(snap.metrics.failed).toBe(1);
    expect(snap.metrics.failedByKind.sending).toBe(1);
    await pool.close();
  });

  it.each(['removed', 'reported dead'])(
    'emits task-failed and counts the failure when its worker is %s',
    async (how) => {
      const { clock, pool, events } = virtualPool<null>({ classify: classifyCarried, retry });
      pool.addWorker({ id: 'w0', resource: null });
      const t = track(
        pool.submit({
          kind: 'sending',
          idempotent: true,
          run: () => {
            throw lost();
          },
        }),
      );
      await clock.advance(0); // failed with an unknown outcome; waits 1000 ms to retry on w0
      const failedBefore = events.filter((e) => e.type === 'task-failed').length;
      if (how === 'removed') void pool.removeWorker('w0');
      else pool.reportConnection('w0', 'dead');
      await clock.advance(0);
      expect(t.error).toBeInstanceOf(TaskFailedError);
      const failure = (t.error as TaskFailedError).failure;
      const reported = events.filter((e) => e.type === 'task-failed').slice(failedBefore);
      expect(reported).toEqual([
        expect.objectContaining({
          task: (t.error as TaskFailedError).taskId,
          worker: 'w0',
          failure,
          willRetry: false,
        }),
      ]);
      const snap = pool.snapshot();
      expect(snap.metrics.failed).toBe(1);
      expect(snap.metrics.failedByKind.sending).toBe(1);
      expect(snap.queued).toBe(0);
      await pool.close();
      expect(clock.pendingTimers()).toBe(0);
    },
  );
});

// A worker restricted for a long time (a capability taken away) cannot run the pinned task
// either; waiting for the capability to come back would hold the task for as long as that.
/** Two workers that can send; a send pinned to w0 whose every run fails with `failure`. */
function pinnedSend(pool: Pool<null>, failure: () => Error) {
  pool.addWorker({ id: 'w0', resource: null, capabilities: ['send'] });
  pool.addWorker({ id: 'w1', resource: null, capabilities: ['send'] });
  const ranOn: string[] = [];
  const task = track(
    pool.submit({
      kind: 'sending',
      requires: ['send'],
      pinnedTo: 'w0',
      idempotent: true,
      run: ({ worker }) => {
        ranOn.push(worker);
        throw failure();
      },
    }),
  );
  return { task, ranOn };
}

describe('a task pinned to a worker without a capability it requires', () => {
  it('is refused at submit when the worker lacks the capability', async () => {
    const { pool } = virtualPool<null>({ classify: classifyCarried, retry });
    pool.addWorker({ id: 'w0', resource: null, capabilities: [] });
    pool.addWorker({ id: 'w1', resource: null, capabilities: ['send'] });
    let ran = 0;
    const error = await pool
      .submit({ kind: 'sending', requires: ['send'], pinnedTo: 'w0', idempotent: true, run: () => ran++ })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).failure).toBe('unknown-outcome');
    expect(String((error as Error).message)).toContain('without a capability it requires');
    expect(ran).toBe(0);
    expect(pool.snapshot()).toMatchObject({ queued: 0, inFlight: 0 });
    await pool.close();
  });

  it('fails as unknown-outcome, never on another worker, when its worker loses the capability while it waits', async () => {
    const { clock, pool } = virtualPool<null>({ classify: classifyCarried, retry });
    const { task: t, ranOn } = pinnedSend(pool, lost);
    await clock.advance(0); // ran on w0 with an unknown outcome; waits 1000 ms to retry there
    pool.updateWorker('w0', { capabilities: [] });
    await clock.advance(0);
    expect(t.error).toBeInstanceOf(TaskFailedError);
    expect((t.error as TaskFailedError).failure).toBe('unknown-outcome');
    expect(ranOn).toEqual(['w0']);
    await clock.runAll();
    expect(ranOn).toEqual(['w0']);
    expect(pool.snapshot()).toMatchObject({ queued: 0, inFlight: 0 });
    await pool.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fails as unknown-outcome when the failure of its run takes the capability away', async () => {
    const { clock, pool } = virtualPool<null>({
      retry,
      // The answer restricts the worker (as a classify hook applying a session restriction does)
      // and asks for the task to be requeued.
      classify: (error, task) => {
        if (error instanceof FailsAs && error.failure.kind === 'rate-limited')
          pool.updateWorker(task.worker, { capabilities: [] });
        return classifyCarried(error);
      },
    });
    const { task: t, ranOn } = pinnedSend(
      pool,
      () => new FailsAs({ kind: 'rate-limited', retryAfterMs: 0, scope: 'task' }),
    );
    await clock.advance(0);
    await clock.runAll();
    expect(t.error).toBeInstanceOf(TaskFailedError);
    expect((t.error as TaskFailedError).failure).toBe('unknown-outcome');
    expect(ranOn).toEqual(['w0']);
    await pool.close();
  });
});
