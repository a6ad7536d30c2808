import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { ValidationError, VirtualClock } from '@switchyard/core';
import { Redis } from 'ioredis';
import { Api } from 'telegram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterOptions } from '../src/managerOptions.js';
import { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { ScriptedTelegram } from './scriptedTelegram.js';
import { until } from './until.js';

let server: RedisServer;
let redis: Redis;
const nodes: ScriptedHarness[] = [];
let prefixes = 0;
let prefix = 't0:';

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.manager.shutdown();
  prefix = `t${++prefixes}:`;
});
afterAll(async () => {
  redis?.disconnect();
  await server?.dispose();
});

/** A node of the cluster: its own scripted Telegram and clients, on the shared Redis. */
function node(id: string, sessions: readonly string[], cluster: Partial<ClusterOptions> = {}) {
  const h = scriptedHarness({ sessions, cluster: { redis: server.url, node: id, prefix, ...cluster } });
  nodes.push(h);
  return h;
}

const connected = (h: ScriptedHarness, name: string) =>
  h.manager.getSessionInfo(name).connection === 'connected';
const claimOf = (name: string) => redis.get(`${prefix}session:${name}`);

describe('cluster: each session is claimed by one node', () => {
  it('refuses a bad cluster option, naming the field, and connects nothing', () => {
    const telegram = new ScriptedTelegram({ clock: new VirtualClock(0) });
    const make = (extra: object) => () =>
      new TelegramSessionManager({
        sessions: [{ name: 's0', client: telegram.client('s0') }],
        ...extra,
      });
    const issues = (extra: object) => {
      try {
        make(extra)();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.field);
      }
      throw new Error('expected a ValidationError');
    };
    const ok = { redis: 'redis://127.0.0.1:1', node: 'node-a' };
    expect(issues({ cluster: { ...ok, nodes: 2 } })).toEqual(['options.cluster.nodes']);
    expect(issues({ cluster: { ...ok, node: 'node a' } })).toEqual(['options.cluster.node']);
    expect(issues({ cluster: { ...ok, node: undefined } })).toEqual(['options.cluster.node']);
    expect(issues({ cluster: { ...ok, redis: 'http://127.0.0.1' } })).toEqual(['options.cluster.redis']);
    expect(issues({ cluster: { ...ok, claimTtlMs: 10 } })).toEqual(['options.cluster.claimTtlMs']);
    expect(issues({ cluster: { ...ok, lockMs: 999 } })).toEqual(['options.cluster.lockMs']);
    expect(issues({ cluster: { ...ok, lockMs: 1500.5 } })).toEqual(['options.cluster.lockMs']);
    expect(() => make({ cluster: { ...ok, lockMs: 999 } })()).toThrow(/lockMs must be ≥ 1000/);
    expect(issues({ cluster: ok, connect: false })).toEqual(['options.connect']);
    expect(telegram.client('s0').connected).not.toBe(true);
  });

  it('a session another live node holds is refused and never connected; claims are renewed and given up on shutdown', async () => {
    const a = node('node-a', ['s0', 's1'], { claimTtlMs: 1_000 });
    await until(() => connected(a, 's0') && connected(a, 's1'), 'node-a connecting');
    expect(a.manager.getSessionInfo('s0').claim).toEqual({ state: 'held' });

    const b = node('node-b', ['s1', 's2'], { claimTtlMs: 1_000 });
    await until(() => connected(b, 's2'), 'node-b connecting s2');
    await until(() => b.manager.getSessionInfo('s1').connection === 'refused', 's1 refused on node-b');
    expect(b.manager.getSessionInfo('s1').claim).toEqual({ state: 'refused', heldBy: 'node-a' });
    expect(b.manager.sessionNames()).toEqual(['s2']);
    // node-b's client for s1 never talked to Telegram.
    expect(b.telegram.client('s1').connected).not.toBe(true);
    expect(b.telegram.requests.filter((r) => r.session === 's1')).toEqual([]);
    expect(b.logs.some((l) => l.includes('session refused') && l.includes('"heldBy":"node-a"'))).toBe(true);

    // Well past the claim's time to live, node-a still holds its sessions: it renews them.
    await sleep(2_500);
    expect(await claimOf('s0')).toMatch(/^node-a\//);
    expect(await redis.pttl(`${prefix}session:s1`)).toBeGreaterThan(0);
    expect(connected(a, 's0')).toBe(true);

    await a.manager.shutdown();
    expect(await claimOf('s0')).toBeNull();
    expect(await claimOf('s1')).toBeNull();
    expect(await claimOf('s2')).toMatch(/^node-b\//);
  });

  it('a node restarted after a crash takes its own claims back at once; another node is refused them', async () => {
    // What a crashed node-a leaves: its claim, still alive for a minute.
    await redis.set(`${prefix}session:s0`, 'node-a/an-earlier-process', 'PX', 60_000);
    const b = node('node-b', ['s0', 's9']);
    await until(() => b.manager.getSessionInfo('s0').connection === 'refused', 's0 refused on node-b');
    expect(b.manager.getSessionInfo('s0').claim).toEqual({ state: 'refused', heldBy: 'node-a' });

    const started = Date.now();
    const a = node('node-a', ['s0']);
    await until(() => connected(a, 's0'), 'restarted node-a connecting s0');
    expect(Date.now() - started).toBeLessThan(2_000);
    const value = await claimOf('s0');
    expect(value).toMatch(/^node-a\//);
    expect(value).not.toBe('node-a/an-earlier-process');
  });

  it('a node whose claim another node took stops using that session at once', async () => {
    const a = node('node-a', ['s0', 's1'], { claimTtlMs: 1_000 });
    await until(() => connected(a, 's0') && connected(a, 's1'), 'node-a connecting');
    await redis.set(`${prefix}session:s0`, 'node-z/elsewhere', 'PX', 60_000);
    await until(() => a.manager.getSessionInfo('s0').connection === 'refused', 'node-a letting s0 go');
    expect(a.manager.getSessionInfo('s0').claim).toEqual({ state: 'lost', heldBy: 'node-z' });
    expect(a.manager.sessionNames()).toEqual(['s1']);
    await until(() => a.telegram.client('s0').connected === false, 's0 disconnected');
    // Its claim is node-z's, untouched.
    expect(await claimOf('s0')).toBe('node-z/elsewhere');
  });

  it('a Redis that cannot be reached refuses every session, saying why, and shutdown leaves no handle', async () => {
    const h = scriptedHarness({
      sessions: ['s0'],
      cluster: { redis: 'redis://127.0.0.1:1', node: 'node-a' },
    });
    await until(() => h.manager.getSessionInfo('s0').connection === 'refused', 's0 refused');
    expect(h.manager.getSessionInfo('s0').claim?.heldBy).toMatch(
      /redis:\/\/127\.0\.0\.1:1.*cannot be reached/,
    );
    expect(h.telegram.client('s0').connected).not.toBe(true);
    await h.manager.shutdown();

    // (ioredis's own connect timer of the refused connection runs out by itself, so the count
    // starts here.)
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const a = scriptedHarness({ sessions: ['s0'], cluster: { redis: server.url, node: 'node-a', prefix } });
    await until(() => connected(a, 's0'), 'node-a connecting');
    await a.manager.shutdown();
    expect(a.clock.pendingTimers()).toBe(0);
    await sleep(50);
    expect(process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length).toBeLessThanOrEqual(
      before,
    );
  });

  it('a campaign on a cluster whose Redis cannot be reached fails clearly, naming the URL but not its password, and sends nothing', async () => {
    const h = scriptedHarness({
      sessions: ['s0'],
      users: ['alice_one'],
      cluster: { redis: 'redis://alice:hunter2secret@127.0.0.1:1', node: 'node-a' },
    });
    const error = await Promise.resolve(
      h.manager.sendTextMessagesBulk(['alice_one'], 'hi', { campaign: 'spring' }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const text = `${(error as Error).message} ${(error as Error).stack ?? ''}`;
    expect(text).toMatch(/redis:\/\/alice:\*\*\*@127\.0\.0\.1:1: Redis cannot be reached/);
    expect(text).not.toContain('hunter2secret');
    expect(h.telegram.requests.filter((r) => r.request instanceof Api.messages.SendMessage)).toEqual([]);
    await h.manager.shutdown();
  }, 30_000);
});
