import type { TaskOutcome } from '@switchyard/bullmq';
import { createPool, type Failure, type Pool, TaskCancelledError, VirtualClock } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { describe, expect, it } from 'vitest';
import type { TelegramSession } from '../src/clientLike.js';
import { ClusterHandBacks } from '../src/clusterHandBacks.js';

const settled = (p: Promise<unknown>) =>
  p.then(
    (value): TaskOutcome => ({ value }),
    (error: unknown): TaskOutcome => ({ error }),
  );

describe('cluster hand-backs: which items of a node go back to the queue', () => {
  it('after a flood wait, the items waiting in the pool that are pending go back; one running and one whose attempt is recorded stay', async () => {
    const clock = new VirtualClock();
    const handBacks = new ClusterHandBacks();
    const pool: Pool<TelegramSession> = createPool<TelegramSession>({
      strategy: roundRobin(),
      clock,
      classify: (_error, task): Failure => {
        // As the manager does: back the session off, then let the hand-backs look at every item.
        pool.backoffWorker(task.worker, 60_000, 'FLOOD_WAIT');
        const failure: Failure = { kind: 'rate-limited', retryAfterMs: 60_000, scope: 'task' };
        return handBacks.classified(task.id, failure, () => ({
          now: clock.now(),
          workers: pool.snapshot().workers,
          heldUntil: () => undefined,
        }));
      },
    });
    pool.addWorker({ id: 's0', resource: {} as TelegramSession, capacity: 2, capabilities: ['send'] });
    let finish = () => {};
    const item = (run: () => Promise<unknown>, pending: boolean) => {
      const controller = new AbortController();
      const held = handBacks.hold(
        { kind: 'sending', requires: ['send'], signal: controller.signal, run },
        () => pending,
        controller,
      );
      return { held, outcome: settled(pool.submit(held.task)) };
    };
    // Running when the flood wait comes: it may be sending, so it is never withdrawn.
    const running = item(() => new Promise((resolve) => (finish = () => resolve('sent'))), true);
    // Refused with a flood wait: nothing left, the item is pending again.
    const flooded = item(() => Promise.reject(new Error('FLOOD_WAIT_60')), true);
    // Waiting for the session, never started.
    const waiting = item(() => Promise.resolve('sent later'), true);
    // Waiting, but bound to the session by an attempt whose outcome is unknown: it stays.
    const bound = item(() => Promise.resolve('resumed'), false);

    const floodedOutcome = await flooded.outcome;
    expect(floodedOutcome).toMatchObject({ error: expect.any(TaskCancelledError) });
    expect(flooded.held.wentBack(floodedOutcome)).toBe(true);
    const waitingOutcome = await waiting.outcome;
    expect(waiting.held.wentBack(waitingOutcome)).toBe(true);
    expect(pool.snapshot().workers[0]).toMatchObject({ state: 'backoff', inFlight: 1 });

    finish();
    const runningOutcome = await running.outcome;
    expect(runningOutcome).toEqual({ value: 'sent' });
    expect(running.held.wentBack(runningOutcome)).toBe(false);
    // The bound item waits out the flood wait on its session, then runs there.
    await clock.advance(60_000);
    const boundOutcome = await bound.outcome;
    expect(boundOutcome).toEqual({ value: 'resumed' });
    expect(bound.held.wentBack(boundOutcome)).toBe(false);
    for (const i of [running, flooded, waiting, bound]) i.held.release();
    await pool.close();
  });
});
