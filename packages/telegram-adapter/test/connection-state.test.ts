import { backoffDelay, createPool, seededRandom, VirtualClock } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { pino } from 'pino';
import { _handleUpdate } from 'telegram/client/updates.js';
import { describe, expect, it } from 'vitest';
import { ConnectionSupervisor } from '../src/connectionSupervisor.js';
import { FakeTelegram } from './fakeTelegram.js';
import { type Harness, harness } from './harness.js';

type Reports = [string, string, string | undefined][];

function setup() {
  const clock = new VirtualClock();
  const telegram = new FakeTelegram();
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
  const client = telegram.client('s0');
  supervisor.watch({ name: 's0', client });
  // The network layer hands GramJS's _handleUpdate a bare -1 / 0 / 1; it becomes an
  // UpdateConnectionState for the handlers added with no event builder.
  const push = (state: -1 | 0 | 1) => _handleUpdate(client, state);
  return { clock, telegram, reports, down, supervisor, push, pool };
}

describe('connection state mapping', () => {
  it("maps GramJS's UpdateConnectionState onto the worker and reconnects with backoff and jitter on the clock", async () => {
    const { clock, telegram, reports, down, supervisor, push, pool } = setup();
    telegram.offline.add('s0');
    push(-1);
    await clock.advance(0);
    expect(reports).toEqual([['s0', 'disconnected', 'disconnected']]);
    expect(down).toEqual(['s0']);
    const delays: number[] = [];
    let last = clock.now();
    for (let i = 0; i < 5; i++) {
      const at = clock.nextTimerAt()!;
      delays.push(at - last);
      await clock.advanceTo(at);
      last = at;
    }
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
    telegram.offline.delete('s0');
    await clock.advanceTo(clock.nextTimerAt()!);
    expect(reports.at(-1)).toEqual(['s0', 'connected', 'reconnected']);
    expect(supervisor.connection('s0')).toBe('connected');
    expect(pool.getWorker('s0')?.state).toBe('connected');
    expect(clock.pendingTimers()).toBe(0);
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

  it('marks a session dead when reconnecting fails with a dead-session error', async () => {
    const { clock, telegram, reports, supervisor, push } = setup();
    const client = telegram.clients.get('s0')!;
    Object.assign(client, {
      connect: async () => {
        const { rpcError } = await import('./fakeTelegram.js');
        const { Api } = await import('telegram');
        throw rpcError('SESSION_REVOKED', 401, new Api.help.GetConfig());
      },
    });
    push(-1);
    await clock.advance(60_000);
    expect(supervisor.isDead('s0')).toBe(true);
    expect(reports.at(-1)).toEqual(['s0', 'dead', 'SESSION_REVOKED']);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('connection state in the manager', () => {
  let h: Harness;
  it('a session that drops gets no work until it is back', async () => {
    h = harness({ sessions: 2 });
    h.telegram.offline.add('s0');
    h.manager.reportDisconnected('s0');
    const report = await h.settle(
      h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo', 'carol_three'], 'x'),
    );
    expect(report.summary.bySession).toEqual({ s1: { sent: 3, failed: 0 } });
    expect(h.manager.pool.snapshot().workers.find((w) => w.id === 's0')?.substate).toBe('reconnecting');
    await h.manager.shutdown();
  });

  it('with connect (the default) a session gets work only after its first connect succeeds', async () => {
    h = harness({ sessions: 2, connect: true, offline: ['s1'] });
    await h.clock.advance(0);
    expect(h.telegram.connects.sort()).toEqual(['s0', 's1']);
    expect(h.manager.getSessionInfo('s0').connection).toBe('connected');
    expect(h.manager.getSessionInfo('s1').connection).toBe('reconnecting');
    const report = await h.settle(
      h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo', 'carol_three'], 'x'),
      500,
    );
    expect(report.summary.bySession).toEqual({ s0: { sent: 3, failed: 0 } });
    await h.manager.shutdown();
  });
});
