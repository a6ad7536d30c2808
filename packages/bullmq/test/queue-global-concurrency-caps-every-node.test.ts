import { setTimeout as sleep } from 'node:timers/promises';
import { openQueue } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessNodes } from './queueNodes.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

describe("a queue's global concurrency", () => {
  it('caps the jobs running at once over every node, however much room the nodes have', async () => {
    const queue = 'capped';
    let running = 0;
    let most = 0;
    const nodes = await inProcessNodes(server.url, queue, ['a', 'b'], async (_job, node) => {
      most = Math.max(most, ++running);
      await sleep(30);
      running--;
      return node;
    });
    const producer = await openQueue({ queue, connection: server.url });
    try {
      await producer.setGlobalConcurrency(2);
      const report = await producer.enqueue(
        Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, name: 'work', data: i })),
        { batchId: 'b' },
      );
      expect(report.summary.completed).toBe(20);
      expect(most).toBe(2);
    } finally {
      await producer.close();
      await nodes.close();
    }
  }, 30_000);
});
