import { JobLockLostError, jobLater, openQueue, serveQueue } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { createPool, type Pool, systemClock, TaskCancelledError, ValidationError } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

function testPool(): Pool<string> {
  const pool = createPool<string>({
    strategy: createStrategy('least-loaded'),
    clock: systemClock,
    retry: { retries: 0 },
  });
  pool.addWorker({ id: 'w0', resource: 'w0', capacity: 2 });
  return pool;
}

describe('a handler that settles its job or puts it off', () => {
  it("turns the task's outcome into the job's, and puts a job off without spending an attempt", async () => {
    const queue = 'settled';
    const seen: string[] = [];
    const takes = new Map<string, number>();
    const pool = testPool();
    const consumer = await serveQueue(pool, {
      queue,
      connection: server.url,
      pollIntervalMs: 20,
      handlers: {
        work: (job) => {
          takes.set(job.id, (takes.get(job.id) ?? 0) + 1);
          const { fail, putOff } = job.data as { fail: boolean; putOff: number };
          // Put off on its first takes, then run: the job comes back by itself, later.
          if ((takes.get(job.id) ?? 0) <= putOff) return jobLater(30);
          return {
            task: {
              run: () => {
                if (fail) throw new Error('the run failed');
                return 'ran';
              },
            },
            settle: (outcome) => {
              seen.push(job.id);
              // A failed run still completes its job, with what the handler makes of it.
              return 'value' in outcome
                ? { ok: true, value: outcome.value, attempt: job.attempt }
                : { ok: false, why: (outcome.error as Error).message };
            },
          };
        },
        later: () => ({ task: { run: () => 'x' }, settle: () => jobLater(0) }),
      },
    });
    // One attempt only: a put-off that spent one would fail the job.
    const producer = await openQueue({ queue, connection: server.url, attempts: 1 });
    try {
      const report = await producer.enqueue(
        [
          { key: 'plain', name: 'work', data: { fail: false, putOff: 0 } },
          { key: 'failing', name: 'work', data: { fail: true, putOff: 0 } },
          { key: 'put-off', name: 'work', data: { fail: false, putOff: 2 } },
        ],
        { batchId: 'b1' },
      );
      expect(report.summary).toMatchObject({ total: 3, completed: 3, failed: 0 });
      const value = (key: string) => {
        const r = report.results.get(key);
        return r?.status === 'fulfilled' ? r.value : r;
      };
      expect(value('plain')).toEqual({ ok: true, value: 'ran', attempt: 1 });
      expect(value('failing')).toEqual({ ok: false, why: expect.stringMatching(/the run failed$/) });
      expect(value('put-off')).toEqual({ ok: true, value: 'ran', attempt: 1 });
      expect(takes.get('b1/put-off')).toBe(3);
      expect(seen.sort()).toEqual(['b1/failing', 'b1/plain', 'b1/put-off']);

      // A settle that puts its job off: the job waits, delayed, and is neither completed nor failed.
      const op = producer.enqueue([{ key: 'again', name: 'later', data: null }], { batchId: 'b2' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      op.cancel();
      await Promise.resolve(op).catch(() => undefined);
      const reader = new Queue(queue, { connection: { url: server.url } });
      expect(['delayed', 'waiting', 'active']).toContain(await reader.getJobState('b2/again'));
      await reader.close();
    } finally {
      await consumer.close({ drain: false });
      await producer.close();
      await pool.close();
    }
  });

  it('aborts a task whose lock lapsed while the consumer was paused; its settle sees JobLockLostError, and the job runs again', async () => {
    const queue = 'paused';
    const outcomes: unknown[] = [];
    const pool = testPool();
    const consumer = await serveQueue(pool, {
      queue,
      connection: server.url,
      lockDurationMs: 1_000,
      stalledIntervalMs: 1_000,
      pollIntervalMs: 20,
      handlers: {
        work: (job) => ({
          task: {
            // The first run waits for ever (until it is aborted); the second one finishes.
            run: ({ signal }) =>
              job.taken > 1
                ? 'ran'
                : new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
          },
          settle: (outcome) => {
            outcomes.push('value' in outcome ? outcome.value : outcome.error);
            if ('error' in outcome) throw outcome.error;
            return { value: outcome.value, taken: job.taken };
          },
        }),
      },
    });
    const producer = await openQueue({ queue, connection: server.url, attempts: 1 });
    try {
      const op = producer.enqueue([{ key: 'k', name: 'work', data: null }], { batchId: 'b' });
      while (consumer.active === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // The whole process stops past the lock's life (a long GC, a starved machine).
      const end = Date.now() + 2_500;
      while (Date.now() < end);
      const report = await op;
      expect(report.summary).toMatchObject({ total: 1, completed: 1, failed: 0 });
      const r = report.results.get('k');
      expect(r?.status === 'fulfilled' ? r.value : r).toEqual({ value: 'ran', taken: 2 });
      const [first, second] = outcomes;
      expect(first).toBeInstanceOf(TaskCancelledError);
      expect((first as TaskCancelledError).cause).toBeInstanceOf(JobLockLostError);
      expect((first as TaskCancelledError).cause).toMatchObject({ code: 'E_JOB_LOCK_LOST', jobId: 'b/k' });
      expect(second).toBe('ran');
    } finally {
      await consumer.close({ drain: false });
      await producer.close();
      await pool.close();
    }
  }, 30_000);

  it('refuses a negative or endless delay, naming it', () => {
    expect(() => jobLater(-1)).toThrow(ValidationError);
    expect(() => jobLater(Number.POSITIVE_INFINITY)).toThrow(/delayMs/);
  });
});
