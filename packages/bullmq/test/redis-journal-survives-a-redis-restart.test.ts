import { setTimeout as sleep } from 'node:timers/promises';
import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { JournalTransitionError } from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let server: RedisServer;
beforeEach(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await server?.dispose();
});

const spec = { id: 'spring-sale', kind: 'send-text', content: { text: 'hi' } };
const keys = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, payload: from + i }));

describe('a Redis journal across a Redis restart', () => {
  it('keeps every write in the append-only file, and goes on with the same connection', async () => {
    const j = new RedisJournal(server.url);
    try {
      const b = await j.open(spec);
      await b.add(keys(50));
      for (let i = 0; i < 20; i++) await b.transition(`k${i}`, { state: 'done', result: i });
      await b.setCursor('source', { read: 50 });
      const port = server.port;
      const pid = server.pid;
      await server.restart();
      expect(server.port).toBe(port);
      expect(server.pid).not.toBe(pid);
      // The same batch, held by the same journal, reconnected by itself.
      await b.transition('k20', { state: 'failed', reason: 'PEER_FLOOD' });
      expect(await b.status()).toMatchObject({ total: 50, done: 20, failed: 1, pending: 29 });
      expect(await b.cursor('source')).toEqual({ read: 50 });
      expect((await b.get('k7'))?.state).toEqual({ state: 'done', result: 7 });
    } finally {
      await j.close();
    }
  }, 20_000);

  it('keeps every acknowledged write when Redis is killed (SIGKILL) and started again', async () => {
    const j = new RedisJournal(server.url);
    try {
      const b = await j.open(spec);
      await b.add(keys(30));
      for (let i = 0; i < 10; i++) await b.transition(`k${i}`, { state: 'skipped', reason: 'invalid' });
      // Redis writes its append-only file before it answers: a kill of Redis (not of the OS)
      // loses nothing it acknowledged, even with one fsync a second.
      await server.kill();
      await server.start();
      expect(await b.status()).toMatchObject({ total: 30, skipped: 10, pending: 20 });
      await b.transition('k10', { state: 'done', result: null });
      expect(await b.status()).toMatchObject({ total: 30, skipped: 10, done: 1, pending: 19 });
    } finally {
      await j.close();
    }
  }, 20_000);

  it('pauses writes while Redis is down and runs each once when it is back', async () => {
    const j = new RedisJournal(server.url);
    try {
      const b = await j.open(spec);
      await b.add(keys(10));
      await server.stop();
      let settled = 0;
      const writes = [
        b.add(keys(15)),
        b.transition('k0', { state: 'attempting', worker: 'w', attempt: 1 }),
        b.transition('k1', { state: 'done', result: 1 }),
        b.transition('k1', { state: 'failed', reason: 'race' }),
      ].map((p) =>
        p.then(
          (v) => {
            settled++;
            return v;
          },
          (e: unknown) => {
            settled++;
            throw e;
          },
        ),
      );
      await sleep(500);
      expect(settled).toBe(0);
      await server.start();
      const [added, attempting, done, failed] = await Promise.allSettled(writes);
      expect(added).toMatchObject({ status: 'fulfilled' });
      expect(attempting).toMatchObject({ status: 'fulfilled' });
      expect(done).toMatchObject({ status: 'fulfilled' });
      expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'E_JOURNAL_TRANSITION' } });
      // Nothing written twice: 15 items, not 25; each count once.
      expect(await b.status()).toMatchObject({ total: 15, pending: 13, attempting: 1, done: 1 });
      expect((await b.items()).map((i) => i.seq)).toEqual([...Array(15).keys()]);
    } finally {
      await j.close();
    }
  }, 20_000);

  it('takes a compare-and-set that ran twice (its answer lost with the connection) as done, not as a change by another writer', async () => {
    // When a connection drops after Redis ran a command and before its answer came, ioredis
    // sends the command again once it is back (and a NOSCRIPT after a restart runs it in full):
    // the caller gets the second run's answer. This client runs each script twice while `twice`.
    const client = new Redis(server.url);
    let twice = false;
    for (const method of ['evalsha', 'eval'] as const) {
      const run = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as Record<typeof method, typeof run>)[method] = async (...args) => {
        if (twice) await run(...args);
        return run(...args);
      };
    }
    const j = new RedisJournal({ redis: client });
    try {
      const b = await j.open(spec);
      await b.add(keys(3));
      const attempting = { state: 'attempting', worker: 's0', attempt: { randomId: '42' } } as const;
      twice = true;
      const item = await b.transition('k0', attempting, { expect: { state: 'pending' } });
      expect(item.state).toEqual(attempting);
      // Counted once.
      expect(await b.status()).toMatchObject({ total: 3, pending: 2, attempting: 1 });
      // Another writer's change is still refused.
      await expect(
        b.transition('k0', { state: 'pending' }, { expect: { state: 'pending' } }),
      ).rejects.toThrow(JournalTransitionError);
      twice = false;
      expect((await b.get('k0'))?.state).toEqual(attempting);
    } finally {
      await j.close();
      client.disconnect();
    }
  });

  it('starts, stops and restarts redis-server on one port and folder, and leaves no process', async () => {
    const pid = server.pid as number;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await server.stop();
    expect(server.pid).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await server.start();
    const again = server.pid as number;
    await server.kill();
    expect(() => process.kill(again, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});
