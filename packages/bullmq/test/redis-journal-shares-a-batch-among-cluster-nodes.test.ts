import { setTimeout as sleep } from 'node:timers/promises';
import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { JournalLeaseError, JournalTransitionError } from '@switchyard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let server: RedisServer;
const journals: RedisJournal[] = [];
let n = 0;
beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
});
afterAll(async () => {
  await server?.dispose();
});

/** A journal as one node of a cluster opens it: its own connection, on the shared Redis. */
function node(prefix: string): RedisJournal {
  const j = new RedisJournal({ redis: server.url, prefix, leaseTtlMs: 500 });
  journals.push(j);
  return j;
}
const spec = { id: 'spring-sale', kind: 'send-text', content: { message: 'hi' } };

describe('a batch shared by the nodes of a cluster', () => {
  it('is written by every node at once, and each item is started by one node only', async () => {
    const prefix = `shared${++n}:`;
    const [a, b, c] = [node(prefix), node(prefix), node(prefix)];
    const batches = await Promise.all([a, b, c].map((j) => j.openShared(spec)));
    const keys = Array.from({ length: 50 }, (_, i) => `user${i}`);
    // Every node records the whole list; each item is recorded once, in its first position.
    await Promise.all(batches.map((batch) => batch.add(keys.map((key) => ({ key, payload: key })))));
    expect(await a.status(spec.id)).toMatchObject({ total: keys.length, pending: keys.length });
    const started = await Promise.allSettled(
      keys.flatMap((key) =>
        batches.map((batch, i) =>
          batch.transition(
            key,
            { state: 'attempting', worker: `s${i}`, attempt: i },
            { expect: { state: 'pending' } },
          ),
        ),
      ),
    );
    for (let k = 0; k < keys.length; k++) {
      const three = started.slice(3 * k, 3 * k + 3);
      expect(three.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of three.filter((o) => o.status === 'rejected'))
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(JournalTransitionError);
    }
    expect(await a.status(spec.id)).toMatchObject({ attempting: keys.length, pending: 0 });
    // One node's release leaves the others writing.
    await batches[0]?.release();
    await sleep(700);
    await batches[1]?.transition('user0', { state: 'unknown', reason: 'test' });
    expect((await batches[2]?.get('user0'))?.state).toEqual({ state: 'unknown', reason: 'test' });
  });

  it('excludes an exclusive open while shared, and a shared open while held exclusively; the lease lapses after the last holder', async () => {
    const prefix = `shared${++n}:`;
    const [a, b, c] = [node(prefix), node(prefix), node(prefix)];
    const shared = await a.openShared(spec);
    const refused = await b.open(spec).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JournalLeaseError);
    expect((refused as Error).message).toMatch(/shared opens/);
    await shared.release();
    await sleep(700);
    const exclusive = await b.open(spec);
    await expect(c.openShared(spec)).rejects.toBeInstanceOf(JournalLeaseError);
    await exclusive.release();
    expect((await c.openShared(spec)).created).toBe(false);
  });
});
