import { setTimeout as sleep } from 'node:timers/promises';
import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { type LoadEvent, ValidationError, VirtualClock } from '@switchyard/core';
import { Api } from 'telegram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterOptions, TelegramSessionManagerOptions } from '../src/managerOptions.js';
import type { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { ScriptedTelegram } from './scriptedTelegram.js';
import { until } from './until.js';

let server: RedisServer;
const nodes: ScriptedHarness[] = [];
let prefixes = 0;
let prefix = 'c0:';
/** One Telegram for the whole cluster, so that every delivery is counted in one place. */
let telegram: ScriptedTelegram;

beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.manager.shutdown();
  prefix = `c${++prefixes}:`;
});
afterAll(async () => {
  await server?.dispose();
});

function cluster(users: number): string[] {
  telegram = new ScriptedTelegram({ clock: new VirtualClock(0) });
  return Array.from({ length: users }, (_, i) => {
    const username = `user_${String(i).padStart(3, '0')}`;
    telegram.addUser({ username });
    return username;
  });
}

/** A node of the cluster: its own sessions on the cluster's Telegram, on the shared Redis. */
function node(
  id: string,
  sessions: readonly string[],
  options: Partial<ClusterOptions> = {},
  manager: Partial<Omit<TelegramSessionManagerOptions, 'sessions' | 'cluster'>> = {},
) {
  const h = scriptedHarness({
    sessions,
    session: (_t, name) => ({ name, client: telegram.client(name) }),
    cluster: { redis: server.url, node: id, prefix, ...options },
    ...manager,
  });
  nodes.push(h);
  return h;
}

const connected = (h: ScriptedHarness) =>
  h.manager.sessionNames().every((n) => h.manager.getSessionInfo(n).connection === 'connected');

/** How many messages each user got, by username. */
function deliveredTo(users: readonly string[]): Map<string, number> {
  const ids = new Map(users.map((u) => [`user:${telegram.user(u)!.id}`, u]));
  const counts = new Map(users.map((u) => [u, 0]));
  for (const d of telegram.deliveries) {
    const u = ids.get(d.peer);
    if (u !== undefined) counts.set(u, (counts.get(u) ?? 0) + 1);
  }
  return counts;
}

const sendsOf = (session: string) =>
  telegram.requests.filter((r) => r.session === session && r.request instanceof Api.messages.SendMessage);

function sendText(m: TelegramSessionManager, recipients: readonly string[], campaign = 'spring') {
  return m.sendTextMessagesBulk(recipients, 'Spring sale!', { campaign });
}

describe('cluster: one campaign spread over the nodes', () => {
  it('is sent once to each recipient by the sessions of every node; a second call anywhere is a no-op with the same report', async () => {
    const users = cluster(24);
    // Telegram answers a little slowly, so that no node can take every item by itself.
    telegram.onRequest = () => sleep(15);
    const a = node('node-a', ['a0', 'a1']);
    const b = node('node-b', ['b0', 'b1']);
    const c = node('node-c', ['c0']);
    await until(() => [a, b, c].every(connected), 'the nodes connecting');
    await Promise.all([b.manager.serve(), c.manager.serve()]);

    const recipients = [...users, 'not a username!', users[0]!];
    const report = await sendText(a.manager, recipients);
    // An exact repeat is the same item as its first listing: sent once, counted once.
    expect(report.summary).toMatchObject({ total: 25, sent: 24, failed: 0, skipped: 1 });
    expect([...deliveredTo(users).values()].every((n) => n === 1)).toBe(true);
    expect(report.results.get(users[5]!)).toMatchObject({ success: true, outcome: 'sent' });
    const nodesUsed = new Set(
      [...report.results.values()].filter((r) => r.success).map((r) => r.sessionUsed?.[0]),
    );
    expect(nodesUsed.size).toBeGreaterThan(1);

    // Started again on another node: nothing is sent, and the report is the same.
    const before = telegram.deliveries.length;
    const again = await sendText(b.manager, recipients);
    expect(telegram.deliveries.length).toBe(before);
    expect(again.summary).toEqual(report.summary);
    expect(new Map([...again.results].map(([k, r]) => [k, r.outcome]))).toEqual(
      new Map([...report.results].map(([k, r]) => [k, r.outcome])),
    );
    // Other content under the same id is refused.
    await expect(c.manager.sendTextMessagesBulk(users, 'Other text', { campaign: 'spring' })).rejects.toThrow(
      /campaign "spring" exists with another content/,
    );

    // Every node reads the cluster's state.
    expect(await c.manager.campaignStatus('spring')).toMatchObject({
      kind: 'send-text',
      total: 25,
      sent: 24,
      skipped: 1,
      pending: 0,
      unknown: 0,
    });
    expect((await b.manager.listCampaigns()).map((s) => s.id)).toEqual(['spring']);
    expect(await a.manager.campaignStatus('nope')).toBeUndefined();
  });

  it('refuses what a cluster does not spread yet, clearly, and serve() without a cluster', async () => {
    const users = cluster(2);
    const a = node('node-a', ['a0']);
    await until(() => connected(a), 'node-a connecting');
    const refused = async (op: PromiseLike<unknown>, field: string) => {
      const error = await Promise.resolve(op).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual([field]);
    };
    await refused(a.manager.resumeCampaign('spring'), 'campaign');
    await refused(a.manager.bulkScrapeGroups(['somegroup'], { campaign: 'g' }), 'campaign');
    await refused(
      a.manager.sendTextMessagesBulk(
        (async function* () {
          yield* users;
        })(),
        'hi',
        { campaign: 's' },
      ),
      'campaign',
    );
    await refused(a.manager.sendTextMessagesBulk(users, 'hi', { campaign: 's', delayMs: 5 }), 'delayMs');
    expect(telegram.deliveries).toEqual([]);
    const lone = scriptedHarness({ sessions: ['x0'] });
    await expect(lone.manager.serve()).rejects.toThrow(ValidationError);
    await lone.manager.shutdown();
  });

  it('a node shut down mid-send finishes its items after it restarts, with the same randomId; one that stays away has them reported unknown after unknownAfterMs', async () => {
    const users = cluster(6);
    // b0 holds every send it is given: they are recorded attempting(b0), and never answered.
    let holdB0 = true;
    telegram.onRequest = (ctx) =>
      holdB0 && ctx.session === 'b0' && ctx.request instanceof Api.messages.SendMessage
        ? new Promise(() => {})
        : undefined;
    // node-a only reads until it serves; it gives up on an item after 4 s without b0's node.
    const a = node('node-a', ['a0'], { unknownAfterMs: 4_000 });
    const b = node('node-b', ['b0']);
    await until(() => connected(a) && connected(b), 'the nodes connecting');
    const op = sendText(b.manager, users.slice(0, 3), 'bound');
    await until(() => sendsOf('b0').length === 3, 'b0 starting its sends');
    await b.manager.shutdown();
    nodes.splice(nodes.indexOf(b), 1);
    await Promise.resolve(op).catch(() => undefined);
    expect(await a.manager.campaignStatus('bound')).toMatchObject({ total: 3, pending: 3, sent: 0 });
    await a.manager.serve();
    // node-a does not send them: they are bound to b0, whose node is away.
    await sleep(1_500);
    expect(sendsOf('a0')).toEqual([]);

    // node-b comes back (same node id): b0 finishes them, with the randomIds recorded before.
    holdB0 = false;
    const randomIds = sendsOf('b0').map((r) => String((r.request as Api.messages.SendMessage).randomId));
    const back = node('node-b', ['b0']);
    await until(() => connected(back), 'node-b reconnecting');
    await back.manager.serve();
    const report = await sendText(a.manager, users.slice(0, 3), 'bound');
    expect(report.summary).toMatchObject({ total: 3, sent: 3 });
    expect([...report.results.values()].map((r) => r.sessionUsed)).toEqual(['b0', 'b0', 'b0']);
    expect(sendsOf('a0')).toEqual([]);
    expect(
      sendsOf('b0')
        .slice(3)
        .map((r) => String((r.request as Api.messages.SendMessage).randomId))
        .sort(),
    ).toEqual([...randomIds].sort());
    expect([...deliveredTo(users.slice(0, 3)).values()]).toEqual([1, 1, 1]);

    // Now b0 holds again, and node-b goes for good: after unknownAfterMs its items are unknown.
    await a.manager.shutdown();
    nodes.splice(nodes.indexOf(a), 1);
    holdB0 = true;
    const op2 = sendText(back.manager, users.slice(3), 'lost');
    await until(() => sendsOf('b0').length === 6 + 3, 'b0 starting the second campaign');
    await back.manager.shutdown();
    nodes.splice(nodes.indexOf(back), 1);
    await Promise.resolve(op2).catch(() => undefined);
    const c = node('node-c', ['c0'], { unknownAfterMs: 2_000 });
    await until(() => connected(c), 'node-c connecting');
    const lost = await sendText(c.manager, users.slice(3), 'lost');
    expect(lost.summary).toMatchObject({ total: 3, sent: 0, unknown: 3 });
    expect([...lost.results.values()].map((r) => [r.outcome, r.sessionUsed])).toEqual([
      ['unknown', 'b0'],
      ['unknown', 'b0'],
      ['unknown', 'b0'],
    ]);
    expect(sendsOf('c0')).toEqual([]);
    expect(await c.manager.campaignStatus('lost')).toMatchObject({ unknown: 3, pending: 0 });
  }, 60_000);

  it('a node paused past lockMs mid-send leaves the item to whoever takes its job over: it is sent once, not reported failed', async () => {
    const users = cluster(1);
    // a0's first send reaches Telegram and is never answered.
    let first = true;
    telegram.fault = (ctx) => {
      if (!(ctx.request instanceof Api.messages.SendMessage) || !first) return undefined;
      first = false;
      return { hang: true, after: true };
    };
    const a = node('node-a', ['a0'], { lockMs: 1_000 });
    await until(() => connected(a), 'node-a connecting');
    const op = sendText(a.manager, users, 'paused');
    await until(() => sendsOf('a0').length === 1, 'the first send reaching Telegram');
    // The whole process stops (a long GC, a starved machine) past lockMs: the job's lock lapses
    // in Redis, the node finds it lost, and the stalled-job check puts the job back.
    const pausedUntil = Date.now() + 2_500;
    while (Date.now() < pausedUntil);
    const report = await op;
    // The cut-off send stayed bound to a0: sent again there with its randomId, once delivered.
    expect(report.summary).toMatchObject({ total: 1, sent: 1, failed: 0, unknown: 0 });
    expect(report.results.get(users[0]!)).toMatchObject({ outcome: 'sent', sessionUsed: 'a0' });
    expect([...deliveredTo(users).values()]).toEqual([1]);
    const randomIds = sendsOf('a0').map((r) => String((r.request as Api.messages.SendMessage).randomId));
    expect(randomIds).toHaveLength(2);
    expect(new Set(randomIds).size).toBe(1);
    expect(a.logs.some((l) => /lost the lock of a running job/.test(l))).toBe(true);
  }, 30_000);

  it('goes on after Redis restarts mid-campaign, with nobody sent twice', async () => {
    const users = cluster(40);
    telegram.onRequest = () => sleep(20);
    const a = node('node-a', ['a0', 'a1']);
    const b = node('node-b', ['b0', 'b1']);
    await until(() => [a, b].every(connected), 'the nodes connecting');
    await b.manager.serve();
    const op = sendText(a.manager, users, 'through-a-restart');
    await until(() => telegram.deliveries.length >= 10, 'the first sends');
    expect(telegram.deliveries.length).toBeLessThan(40);
    // Stopped and started again on the same port and files (AOF on): its keys come back.
    await server.restart();
    const report = await op;
    // Everyone gets one message, reported sent. A compare-and-set the restart cut off after Redis
    // ran it is sent again by ioredis and finds its own write: it is taken as done, not as
    // another writer's change (that failed an item of 40 now and then under load).
    const notSent = [...report.results.values()].filter((r) => r.outcome !== 'sent');
    expect(notSent).toEqual([]);
    expect(report.summary).toMatchObject({ total: 40, sent: 40, failed: 0, unknown: 0 });
    expect([...deliveredTo(users).values()].every((n) => n === 1)).toBe(true);
    expect(await b.manager.campaignStatus('through-a-restart')).toMatchObject({ sent: 40, pending: 0 });
  }, 60_000);

  it('leaves no handle, connection or timer behind once the nodes that served a campaign shut down', async () => {
    const users = cluster(6);
    const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
    const before = handles().length;
    const a = node('node-a', ['a0']);
    const b = node('node-b', ['b0']);
    await until(() => [a, b].every(connected), 'the nodes connecting');
    await b.manager.serve();
    const report = await sendText(a.manager, users, 'tidy');
    expect(report.summary).toMatchObject({ total: 6, sent: 6 });
    for (const n of nodes.splice(0)) await n.manager.shutdown();
    // Sockets close a moment after their connections end.
    await until(() => handles().length <= before, `handles back to ${before} (now: ${handles().join(', ')})`);
    expect(a.clock.pendingTimers()).toBe(0);
    expect(b.clock.pendingTimers()).toBe(0);
  }, 30_000);
});

describe('cluster: items a session cannot send soon go to other nodes', () => {
  it.each([
    ['a ten-minute flood wait', 'FLOOD_WAIT_600'],
    ['a PEER_FLOOD restriction', 'PEER_FLOOD'],
    ['its death', 'AUTH_KEY_UNREGISTERED'],
  ])(
    'a node whose only session meets %s gives its items back, pending; another node sends each once, and nothing spins',
    async (_what, rpc) => {
      const users = cluster(5);
      // a0's first send is refused (and, as Telegram would, every later one): nothing is delivered.
      telegram.fault = (ctx) =>
        ctx.session === 'a0' && ctx.request instanceof Api.messages.SendMessage ? { rpc } : undefined;
      // node-a paces its session on its virtual clock, which never moves here: one item runs, the
      // others it took wait in its pool for a0, so they are still there when the refusal comes.
      const a = node('node-a', ['a0'], {}, { delayMs: 1_000 });
      const b = node('node-b', ['b0']);
      await until(() => [a, b].every(connected), 'the nodes connecting');
      const queued = new Set<number>();
      const assigned: LoadEvent[] = [];
      a.manager.pool.events$.subscribe((e) => {
        if (e.type === 'task-queued' && e.kind === 'sending') queued.add(e.task);
        if (e.type === 'task-assigned' && e.kind === 'sending') assigned.push(e);
      });
      const a0Requests = () => telegram.requests.filter((r) => r.session === 'a0').length;

      // Only node-a serves: it takes what a0 has room for, and a0 is refused on its first send.
      const op = Promise.resolve(sendText(a.manager, users, 'flooded')).then(
        (report) => report,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      await until(() => sendsOf('a0').length === 1, "a0's first send");
      const asked = a0Requests();
      // Long enough for node-a to take its items again, had it room, several times over.
      await sleep(2_500);
      expect(a0Requests()).toBe(asked);
      expect(assigned).toHaveLength(1);
      // a0 had room for 4 of the 5 items; given back, none was taken again.
      expect(queued.size).toBe(4);
      const journal = new RedisJournal({ redis: server.url, prefix });
      try {
        expect(await journal.status('flooded')).toMatchObject({
          total: 5,
          pending: 5,
          attempting: 0,
          done: 0,
        });
      } finally {
        await journal.close();
      }

      // node-b's free session sends every item promptly, each once.
      await b.manager.serve();
      await until(() => sendsOf('b0').length === 5, "b0 sending every item (node-b's free session)", 5_000);
      const waited = await op;
      // A node left without a live session ends the waits of its callers (nothing of its own could
      // run); the cluster sends on, and the same send called on another node gives the report.
      if (rpc === 'AUTH_KEY_UNREGISTERED') expect(waited).toBeInstanceOf(Error);
      const report = waited instanceof Error ? await sendText(b.manager, users, 'flooded') : waited;
      expect(report.summary).toMatchObject({ total: 5, sent: 5, failed: 0, unknown: 0 });
      expect([...report.results.values()].map((r) => r.sessionUsed)).toEqual(['b0', 'b0', 'b0', 'b0', 'b0']);
      expect([...deliveredTo(users).values()]).toEqual([1, 1, 1, 1, 1]);
      expect(sendsOf('b0')).toHaveLength(5);
      // a0 was asked once: its wait (or restriction, or death) is honoured for all of its length.
      expect(sendsOf('a0')).toHaveLength(1);
      expect(a0Requests()).toBe(asked);
      expect(queued.size).toBe(4);
      expect(await b.manager.campaignStatus('flooded')).toMatchObject({ sent: 5, pending: 0 });
    },
    30_000,
  );
});
