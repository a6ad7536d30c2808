import { setTimeout as sleep } from 'node:timers/promises';
import { openQueue } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessNodes } from './queueNodes.js';

let server: RedisServer;
beforeEach(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await server?.dispose();
});

describe('a BullMQ task source whose Redis restarts mid-run', () => {
  it('pauses while Redis is down, goes on when it is back, and runs every job exactly once', async () => {
    const queue = 'restart';
    const runs = new Map<string, number>();
    let downAt: number | undefined;
    const runsWhileDown: string[] = [];
    const nodes = await inProcessNodes(server.url, queue, ['a', 'b'], async (job, node) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      if (downAt !== undefined && server.pid === undefined) runsWhileDown.push(job.id);
      await sleep(10);
      return node;
    });
    const producer = await openQueue({ queue, connection: server.url });
    try {
      const n = 150;
      const op = producer.enqueue(
        Array.from({ length: n }, (_, i) => ({ key: `k${i}`, name: 'work', data: i })),
        { batchId: 'b' },
      );
      while (runs.size < 40) await sleep(5);
      await server.stop();
      downAt = Date.now();
      const before = runs.size;
      await sleep(1_000);
      // Down: the jobs already taken may finish their run, but nothing new is taken.
      expect(runs.size - before).toBeLessThanOrEqual(8);
      await server.start();
      const report = await op;
      expect(report.summary).toEqual({ total: n, completed: n, failed: 0, byError: {} });
      expect(runs.size).toBe(n);
      for (const [id, count] of runs) expect(count, id).toBe(1);
      expect(runsWhileDown.length).toBeLessThanOrEqual(8);
    } finally {
      await producer.close();
      await nodes.close();
    }
  }, 60_000);
});
