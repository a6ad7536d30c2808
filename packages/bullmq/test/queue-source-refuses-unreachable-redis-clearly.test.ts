import { openQueue, QueueConnectError, serveQueue } from '@switchyard/bullmq';
import { startRedis } from '@switchyard/bullmq/testing';
import { createPool, ValidationError } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

/** What a call gave: its rejection, or undefined if it resolved. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('a BullMQ task source whose Redis cannot be reached at start', () => {
  it('refuses with an error naming the URL without its password, and enqueues nothing', async () => {
    const server = await startRedis();
    const port = server.port;
    try {
      await server.stop();
      const url = `redis://alice:s3cret-pw@127.0.0.1:${port}/0`;
      const producerError = await failure(
        openQueue({ queue: 'sends', connection: url, connectTimeoutMs: 2_000 }),
      );
      const pool = createPool<string>({ strategy: createStrategy('round-robin') });
      const consumerError = await failure(
        serveQueue(pool, { queue: 'sends', connection: url, connectTimeoutMs: 2_000, handlers: {} }),
      );
      await pool.close();
      for (const error of [producerError, consumerError]) {
        expect(error).toBeInstanceOf(QueueConnectError);
        expect(error?.message).toContain(`queue "sends" at redis://alice:***@127.0.0.1:${port}/0`);
        expect(error?.message).toMatch(/Redis cannot be reached \(.*ECONNREFUSED/);
        expect(String(error?.stack)).not.toContain('s3cret');
        expect((error as QueueConnectError).where).not.toContain('s3cret');
      }
      // Back up on the same port and data: nothing of the queue was written.
      await server.start();
      const raw = new Redis(server.url);
      expect(await raw.keys('bull:*')).toEqual([]);
      await raw.quit();
    } finally {
      await server.dispose();
    }
  }, 30_000);

  it('refuses bad options naming the field, before connecting', async () => {
    await expect(openQueue({ queue: '', connection: 'redis://127.0.0.1:1' })).rejects.toThrow(
      ValidationError,
    );
    await expect(openQueue({ queue: 'q', connection: 'http://127.0.0.1:1' })).rejects.toThrow(/connection/);
    const pool = createPool<string>({ strategy: createStrategy('round-robin') });
    await expect(
      serveQueue(pool, { queue: 'q', connection: 'redis://127.0.0.1:1', handlers: { send: 'no' as never } }),
    ).rejects.toThrow(/handlers\.send/);
    await pool.close();
  });
});
