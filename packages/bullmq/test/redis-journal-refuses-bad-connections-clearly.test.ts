import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RedisJournal, redactRedisUrl } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { JournalOpenError, ValidationError } from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: RedisServer;
/** A port where nothing listens: a server's, once it is stopped. */
let deadPort: number;
beforeAll(async () => {
  const dead = await startRedis();
  deadPort = dead.port;
  await dead.dispose();
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

const spec = { id: 'b', kind: 'k', content: null };

/** Runs the fixture that uses a journal and closes it; resolves with its output once it ends by itself. */
function useAndClose(url: string, prefix: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./fixtures/useAndClose.mjs', import.meta.url)), url, prefix],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // A handle left open keeps the process alive: it is killed after 5 s, and the test fails.
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

describe('a Redis journal that cannot reach its Redis', () => {
  it('fails every call with an error naming the URL, never its password, and leaves nothing open', async () => {
    const url = `redis://alice:s3cret-pw@127.0.0.1:${deadPort}/2`;
    const j = new RedisJournal({ redis: url, connectTimeoutMs: 2_000 });
    const error = await j.open(spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JournalOpenError);
    const message = (error as Error).message;
    expect(message).toContain(`redis://alice:***@127.0.0.1:${deadPort}/2`);
    expect(message).toMatch(/Redis cannot be reached \(.*ECONNREFUSED/);
    expect(message).not.toContain('s3cret');
    expect((error as JournalOpenError).path).not.toContain('s3cret');
    expect(String((error as Error).stack)).not.toContain('s3cret');
    await expect(j.list()).rejects.toThrow(JournalOpenError);
    await expect(j.status('b')).rejects.toThrow(/cannot be reached/);
    await j.close();
    expect(await useAndClose(url, 'dead:')).toEqual({ code: 0, out: 'refused E_JOURNAL_OPEN\nclosed\n' });
  });

  it('names a client it was given by where it connects', async () => {
    const client = new Redis({
      port: deadPort,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const j = new RedisJournal({ redis: client, connectTimeoutMs: 1_000 });
    await expect(j.open(spec)).rejects.toThrow(
      `journal redis://127.0.0.1:${deadPort}/0: Redis cannot be reached`,
    );
    await j.close();
    client.disconnect();
  });

  it('refuses bad options by field name, without repeating a URL', () => {
    expect(() => new RedisJournal('http://user:pw@host')).toThrow(
      /journal\.redis: must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => new RedisJournal('http://user:pw@host')).not.toThrow(/pw/);
    expect(() => new RedisJournal('redis://user:pw@[bad')).toThrow(ValidationError);
    expect(() => new RedisJournal({ redis: server.url, leaseTtlMs: 50 })).toThrow(/journal\.leaseTtlMs/);
    expect(() => new RedisJournal({ redis: server.url, leaseTtlMs: 1_000, leaseRenewMs: 1_000 })).toThrow(
      /leaseRenewMs: must be less than leaseTtlMs/,
    );
    expect(() => new RedisJournal({ redis: server.url, prefix: 7 as unknown as string })).toThrow(
      /journal\.prefix/,
    );
    expect(redactRedisUrl('rediss://:pw@h:1/0')).toBe('rediss://:***@h:1/0');
    expect(redactRedisUrl('redis://h:1')).toBe('redis://h:1');
    expect(redactRedisUrl('not a url pw')).not.toContain('pw');
  });
});

describe('a Redis journal that is closed', () => {
  it('leaves no socket or timer behind, its lease given up', async () => {
    expect(await useAndClose(server.url, 'handles:')).toEqual({ code: 0, out: 'used\nclosed\n' });
    const raw = new Redis(server.url);
    expect(await raw.hget('handles:batch:b', 'done')).toBe('1');
    expect(await raw.exists('handles:lease:b')).toBe(0);
    await raw.quit();
  });

  it('leaves a client it was given open', async () => {
    const client = new Redis(server.url);
    const j = new RedisJournal({ redis: client, prefix: 'given:' });
    await (await j.open(spec)).add([{ key: 'k', payload: 1 }]);
    await j.close();
    expect(await client.exists('given:lease:b')).toBe(0);
    expect(await client.hget('given:batch:b', 'total')).toBe('1');
    await client.quit();
  });
});
