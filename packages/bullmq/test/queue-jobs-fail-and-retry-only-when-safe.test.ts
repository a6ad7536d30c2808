import { setTimeout as sleep } from 'node:timers/promises';
import {
  JobFailedError,
  jobFailure,
  openQueue,
  type QueueConsumer,
  readySlots,
  serveQueue,
} from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { createPool, type Failure, type Pool, systemClock, TaskFailedError } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

class CodedError extends Error {
  constructor(
    readonly code: string,
    readonly failure: Failure,
  ) {
    super(`it failed with ${code}`);
  }
}

function testPool(): Pool<string> {
  const pool = createPool<string>({
    strategy: createStrategy('least-loaded'),
    clock: systemClock,
    classify: (error) => (error instanceof CodedError ? error.failure : { kind: 'transient' }),
    // The pool does not retry here: what is left to see is BullMQ's attempts.
    retry: { retries: 0 },
  });
  pool.addWorker({ id: 'w0', resource: 'w0', capacity: 2 });
  return pool;
}

describe('failed jobs', () => {
  it('are retried by BullMQ only when another run is safe, and come back with their code', async () => {
    const queue = 'failing';
    const runs = new Map<string, number>();
    const pool = testPool();
    const consumer = await serveQueue(pool, {
      queue,
      connection: server.url,
      handlers: {
        fail: (job) => ({
          run: () => {
            runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
            const { code, kind } = job.data as { code: string; kind: 'transient' | 'permanent' };
            throw new CodedError(code, { kind });
          },
        }),
        unsure: (job) => ({
          idempotent: (job.data as { idempotent: boolean }).idempotent,
          run: () => {
            runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
            throw new CodedError('TIMEOUT', { kind: 'unknown-outcome' });
          },
        }),
        ok: (job) => ({ run: () => ({ echoed: job.data, attempt: job.attempt }) }),
      },
    });
    const producer = await openQueue({ queue, connection: server.url, attempts: 3, backoffMs: 10 });
    try {
      const report = await producer.enqueue(
        [
          { key: 'flaky', name: 'fail', data: { code: 'NETWORK_DOWN', kind: 'transient' } },
          { key: 'refused', name: 'fail', data: { code: 'USER_PRIVACY_RESTRICTED', kind: 'permanent' } },
          { key: 'maybe-sent', name: 'unsure', data: { idempotent: false } },
          { key: 'safe-to-repeat', name: 'unsure', data: { idempotent: true } },
          { key: 'nameless', name: 'nobody', data: null },
          { key: 'fine', name: 'ok', data: [1, 'two'] },
        ],
        { batchId: 'mixed' },
      );
      const jobRuns = (key: string) => runs.get(report.results.get(key)?.jobId ?? '');
      expect(jobRuns('flaky')).toBe(3);
      expect(jobRuns('refused')).toBe(1);
      expect(jobRuns('maybe-sent')).toBe(1);
      expect(jobRuns('safe-to-repeat')).toBe(3);
      expect(report.results.get('fine')).toMatchObject({
        status: 'fulfilled',
        value: { echoed: [1, 'two'], attempt: 1 },
      });
      const refused = report.results.get('refused');
      expect(refused?.status).toBe('rejected');
      if (refused?.status === 'rejected') {
        expect(refused.reason).toBeInstanceOf(JobFailedError);
        expect(refused.reason.code).toBe('USER_PRIVACY_RESTRICTED');
        expect(refused.reason.reason).toMatch(/permanent/);
      }
      expect(report.summary).toEqual({
        total: 6,
        completed: 1,
        failed: 5,
        byError: { NETWORK_DOWN: 1, USER_PRIVACY_RESTRICTED: 1, TIMEOUT: 2, E_VALIDATION: 1 },
      });
    } finally {
      await producer.close();
      await consumer.close();
      await pool.close();
    }
  }, 30_000);

  it('are judged by a pure policy: only failures that cannot have taken effect, or idempotent tasks, retry', () => {
    const failed = (kind: Failure['kind'], code?: string) =>
      new TaskFailedError(1, kind, 1, Object.assign(new Error('x'), { code }), 'test');
    expect(jobFailure(failed('transient', 'NET'), false)).toEqual({
      code: 'NET',
      message: expect.any(String),
      retry: true,
    });
    expect(jobFailure(failed('rate-limited'), false).retry).toBe(true);
    expect(jobFailure(failed('worker-fatal'), false).retry).toBe(true);
    expect(jobFailure(failed('permanent'), true).retry).toBe(false);
    expect(jobFailure(failed('unknown-outcome'), false).retry).toBe(false);
    expect(jobFailure(failed('unknown-outcome'), true).retry).toBe(true);
    expect(jobFailure(new Error('bad data'), true)).toEqual({
      code: 'E_JOB_FAILED',
      message: 'bad data',
      retry: false,
    });
  });
});

describe('a consumer closed without draining', () => {
  it('gives its jobs back to the queue, and another consumer finishes them', async () => {
    const queue = 'give-back';
    const runs: string[] = [];
    const serve = async (pool: Pool<string>, ms: number): Promise<QueueConsumer> =>
      serveQueue(pool, {
        queue,
        connection: server.url,
        handlers: {
          work: (job) => ({
            run: async ({ signal }) => {
              runs.push(job.id);
              await sleep(ms, undefined, { signal });
              return 'done';
            },
          }),
        },
      });
    const first = testPool();
    const leaving = await serve(first, 60_000);
    const producer = await openQueue({ queue, connection: server.url });
    try {
      const op = producer.enqueue(
        Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, name: 'work', data: i })),
        { batchId: 'b' },
      );
      // Two run (the pool's one worker has two slots) and the other two wait in the queue.
      while (runs.length < 2) await sleep(10);
      await sleep(100);
      expect(leaving.active).toBe(2);
      expect(readySlots(first.snapshot(), [])).toBe(0);
      await leaving.close({ drain: false });
      expect(await producer.bullQueue.getJobCounts('waiting', 'active')).toEqual({ waiting: 4, active: 0 });
      const second = testPool();
      const staying = await serve(second, 5);
      const report = await op;
      expect(report.summary.completed).toBe(4);
      await staying.close();
      await second.close();
    } finally {
      await producer.close();
      await first.close();
    }
  }, 30_000);
});
