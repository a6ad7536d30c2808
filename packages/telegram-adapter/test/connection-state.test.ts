import { backoffDelay, createPool, seededRandom, VirtualClock } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { pino } from 'pino';
import type { TelegramClient } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionSupervisor } from '../src/connectionSupervisor.js';
import { type ScriptedHarness, scriptedHarness, turnsUntil } from './scriptedHarness.js';
import { ScriptedTelegram } from './scriptedTelegram.js';

type Reports = [string, string, string | undefined][];

const until = turnsUntil;

function setup() {
  const clock = new VirtualClock();
  const telegram = new ScriptedTelegram({ clock });
  const reports: Reports = [];
  const down: string[] = [];
  // A real pool: the supervisor reads each session's connection back from its worker actor.
  const pool = createPool<unknown>({ strategy: roundRobin(), clock });
  pool.addWorker({ id: 's0', resource: undefined });
  const report = pool.reportConnection.bind(pool);
  pool.reportConnection = (id, status, reason) => {
    reports.push([id, status, reason]);
    report(id, status, reason);
  };
  const supervisor = new ConnectionSupervisor({
    pool,
    clock,
    random: seededRandom(7),
    logger: pino({ level: 'silent' }),
    reconnect: { minDelayMs: 1000, maxDelayMs: 8000, factor: 2 },
    onDown: (n) => down.push(n),
  });
  // A real GramJS client on the scripted Telegram, never connected yet.
  const client = telegram.client('s0');
  supervisor.watch({ name: 's0', client });
  // The network layer hands GramJS's _handleUpdate a bare -1 / 0 / 1; it becomes an
  // UpdateConnectionState for the handlers added with no event builder.
  const push = (state: -1 | 0 | 1) => telegram.pushConnectionState('s0', state);
  return { clock, telegram, client, reports, down, supervisor, push, pool };
}

describe('connection state mapping', () => {
  it("maps GramJS's UpdateConnectionState onto the worker and reconnects with backoff and jitter on the clock", async () => {
    const { clock, telegram, client, reports, down, supervisor, push, pool } = setup();
    telegram.unreachable.add('s0');
    push(-1);
    await clock.advance(0);
    expect(reports).toEqual([['s0', 'disconnected', 'disconnected']]);
    expect(down).toEqual(['s0']);
    const delays: number[] = [];
    let last = clock.now();
    for (let i = 0; i < 5; i++) {
      // The next attempt is scheduled once GramJS's connect() has returned false.
      await until(() => clock.nextTimerAt() !== undefined);
      const at = clock.nextTimerAt()!;
      delays.push(at - last);
      await clock.advanceTo(at);
      last = at;
    }
    await until(() => clock.nextTimerAt() !== undefined);
    expect(telegram.connects).toHaveLength(5);
    // Equal jitter: each delay lies in [cap/2, cap] with cap = min(8000, 1000·2^n).
    const caps = [1000, 2000, 4000, 8000, 8000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(d).toBeLessThanOrEqual(caps[i]!);
    });
    // …and they are core's one backoff formula, with the same random stream.
    const random = seededRandom(7);
    const schedule = { minMs: 1000, maxMs: 8000, factor: 2, jitter: 'equal' } as const;
    expect(delays).toEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, schedule, random)));
    telegram.unreachable.delete('s0');
    await clock.advanceTo(clock.nextTimerAt()!);
    await until(() => client.connected === true);
    expect(telegram.connects).toHaveLength(6);
    expect(reports.at(-1)).toEqual(['s0', 'connected', 'reconnected']);
    expect(supervisor.connection('s0')).toBe('connected');
    expect(pool.getWorker('s0')?.state).toBe('connected');
    expect(clock.pendingTimers()).toBe(0);
    supervisor.stop();
    await client.disconnect();
  });

  it('treats a broken connection (0) like a disconnect and a connected update (1) as recovery', async () => {
    const { clock, reports, push, supervisor } = setup();
    push(0);
    await clock.advance(0);
    push(1);
    await clock.advance(0);
    expect(reports).toEqual([
      ['s0', 'disconnected', 'broken'],
      ['s0', 'connected', 'reconnected'],
    ]);
    expect(clock.pendingTimers()).toBe(0);
    supervisor.stop();
  });

  it('never reconnects a dead session', async () => {
    const { clock, telegram, reports, supervisor, push } = setup();
    supervisor.markDead('s0', 'AUTH_KEY_UNREGISTERED');
    push(-1);
    push(1);
    await clock.advance(3600_000);
    expect(telegram.connects).toHaveLength(0);
    expect(reports).toEqual([['s0', 'dead', 'AUTH_KEY_UNREGISTERED']]);
  });

  it('marks a session dead, and destroys its client, when reconnecting fails with a dead-session error', async () => {
    const { clock, telegram, client, reports, supervisor, push } = setup();
    // GramJS's connect() throws what Telegram answers its InitConnection with.
    telegram.refuseConnections('s0', 'SESSION_REVOKED');
    push(-1);
    await clock.advanceTo(clock.nextTimerAt()!);
    await until(() => supervisor.isDead('s0'));
    expect(telegram.connects).toHaveLength(1);
    expect(reports.at(-1)).toEqual(['s0', 'dead', 'SESSION_REVOKED']);
    await until(() => (client as TelegramClient & { _destroyed: boolean })._destroyed);
    await clock.advance(3600_000);
    expect(telegram.connects).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('connection state in the manager', () => {
  let h: ScriptedHarness | undefined;
  const users = ['alice_one', 'bob_twooo', 'carol_three', 'dave_fourr', 'erin_fivee', 'frank_sixx'];
  afterEach(async () => {
    await h?.manager.shutdown();
    expect(h?.clock.pendingTimers() ?? 0).toBe(0);
    h = undefined;
  });

  it('a session whose network drops gets no work until it is back, then gets work again', async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    h.telegram.loseNetwork('s0');
    // GramJS reports the broken connection through its update dispatch.
    await until(() => h!.manager.getSessionInfo('s0').connection === 'reconnecting');
    const report = await h.settle(h.manager.sendTextMessagesBulk(users.slice(0, 3), 'x'));
    expect(report.summary.bySession).toEqual({ s1: { sent: 3, failed: 0 } });
    expect(h.manager.pool.snapshot().workers.find((w) => w.id === 's0')?.substate).toBe('reconnecting');
    // Still down a minute later: every reconnect attempt's connect() returned false.
    await h.clock.advance(60_000);
    expect(h.manager.getSessionInfo('s0').connection).toBe('reconnecting');
    expect(h.telegram.connects.filter((s) => s === 's0').length).toBeGreaterThan(2);
    h.telegram.restoreNetwork('s0');
    await h.clock.advance(120_000);
    await until(() => h!.manager.getSessionInfo('s0').connection === 'connected');
    const after = await h.settle(h.manager.sendTextMessagesBulk(users.slice(3), 'x'));
    expect(after.summary.bySession.s0?.sent).toBeGreaterThan(0);
    expect(after.summary.sent).toBe(3);
  });

  it('a session the caller reports disconnected gets no work until the supervisor has it connected again', async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    h.manager.reportDisconnected('s0');
    expect(h.manager.getSessionInfo('s0').connection).toBe('reconnecting');
    const report = await h.settle(h.manager.sendTextMessagesBulk(users.slice(0, 3), 'x'));
    expect(report.summary.bySession).toEqual({ s1: { sent: 3, failed: 0 } });
    // The first reconnect is due within a second (1 s backoff, equal jitter).
    await h.clock.advance(1000);
    await until(() => h!.manager.getSessionInfo('s0').connection === 'connected');
  });

  it('with connect (the default) a session gets work only after its first connect succeeds', async () => {
    h = scriptedHarness({ sessions: 2, users, unreachable: ['s1'] });
    await h.ready();
    expect(h.telegram.connects.sort()).toEqual(['s0', 's1']);
    expect(h.manager.getSessionInfo('s0').connection).toBe('connected');
    expect(h.manager.getSessionInfo('s1').connection).toBe('reconnecting');
    const report = await h.settle(h.manager.sendTextMessagesBulk(users.slice(0, 3), 'x'), 500);
    expect(report.summary.bySession).toEqual({ s0: { sent: 3, failed: 0 } });
  });
});
