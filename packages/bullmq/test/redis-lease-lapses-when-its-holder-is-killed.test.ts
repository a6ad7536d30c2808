import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { JournalLeaseError } from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: RedisServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.dispose();
});

const spec = { id: 'spring-sale', kind: 'test', content: { n: 1 } };
const TTL = 1_500;

function holdInChild(prefix: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./fixtures/holdBatch.mjs', import.meta.url)),
      server.url,
      prefix,
      spec.id,
      String(TTL),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(holder);
  return new Promise((resolve, reject) => {
    holder.stdout?.on('data', (d: Buffer) => d.toString().includes('held') && resolve(holder));
    holder.once('exit', (code) => reject(new Error(`holder exited (${code})`)));
  });
}

describe('a Redis lease is kept alive by its holder, and lapses when the holder is killed', () => {
  it('refuses while a live process renews it, and frees within its time to live of a SIGKILL', async () => {
    const holder = await holdInChild('lease-a:');
    const j = new RedisJournal({ redis: server.url, prefix: 'lease-a:', leaseTtlMs: TTL });
    try {
      // Past its time to live twice over: only renewals keep it.
      await sleep(2 * TTL);
      await expect(j.open(spec)).rejects.toThrow(new RegExp(`already open in process ${holder.pid} on `));
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      // Unlike SQLite's, the lease outlives its killed holder until its time to live lapses.
      await expect(j.open(spec)).rejects.toThrow(JournalLeaseError);
      let batch: Awaited<ReturnType<RedisJournal['open']>> | undefined;
      while (batch === undefined) {
        try {
          batch = await j.open(spec);
        } catch (error) {
          expect(error).toBeInstanceOf(JournalLeaseError);
          expect(Date.now() - killedAt).toBeLessThan(TTL + 1_000);
          await sleep(50);
        }
      }
      expect(batch.created).toBe(false);
      expect(Date.now() - killedAt).toBeGreaterThan(TTL / 3);
    } finally {
      await j.close();
    }
  }, 20_000);

  it('refuses the writes of a holder whose lease lapsed and was taken, and takes back one no one took', async () => {
    const j = new RedisJournal({ redis: server.url, prefix: 'lease-b:', leaseTtlMs: TTL });
    const raw = new Redis(server.url);
    try {
      const b = await j.open(spec);
      await b.add([{ key: 'k', payload: 1 }]);
      const lease = 'lease-b:lease:spring-sale';
      // As if this holder stalled past its time to live and another process took the batch.
      await raw.set(lease, JSON.stringify({ owner: 'other', pid: 4242, host: 'elsewhere' }), 'PX', 60_000);
      await expect(b.transition('k', { state: 'done', result: null })).rejects.toThrow(
        /already open in process 4242 on elsewhere/,
      );
      await expect(b.add([{ key: 'k2', payload: 2 }])).rejects.toThrow(JournalLeaseError);
      await expect(b.setCursor('c', 1)).rejects.toThrow(JournalLeaseError);
      await expect(b.markSourceDone()).rejects.toThrow(JournalLeaseError);
      expect(await b.status()).toMatchObject({ total: 1, pending: 1, sourceDone: false });
      // Renewals do not take it back from its new holder.
      await sleep(TTL);
      expect(JSON.parse((await raw.get(lease)) ?? '{}')).toMatchObject({ owner: 'other' });
      // Lapsed with no one taking it: no one else can have written, so the holder takes it back.
      await raw.del(lease);
      await b.transition('k', { state: 'done', result: null });
      expect(JSON.parse((await raw.get(lease)) ?? '{}')).toMatchObject({ pid: process.pid });
      expect(await raw.pttl(lease)).toBeGreaterThan(0);
      await b.release();
      expect(await raw.exists(lease)).toBe(0);
    } finally {
      await j.close();
      await raw.quit();
    }
  });
});
