import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
const USERS = [
  'alice_one',
  'bob_two',
  'carol_three',
  'bob_twooo',
  'bob_blocked',
  ...Array.from({ length: 9 }, (_, i) => `user_number${i}`),
];
const harness = (options: Parameters<typeof scriptedHarness>[0] = {}) =>
  scriptedHarness({ users: USERS, ...options });
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

describe('bulk text sends', () => {
  it('sends one real messages.SendMessage per recipient with its own randomId', async () => {
    h = harness();
    const report = await h.settle(
      h.manager.sendTextMessagesBulk(['alice_one', '@bob_two', 't.me/carol_three'], 'hello'),
    );
    expect(report.summary).toMatchObject({ total: 3, sent: 3, failed: 0, skipped: 0 });
    expect(h.telegram.deliveries).toHaveLength(3);
    for (const d of h.telegram.deliveries) {
      expect(d.request).toBeInstanceOf(Api.messages.SendMessage);
      expect((d.request as Api.messages.SendMessage).message).toBe('hello');
      expect(d.request.peer).toBeInstanceOf(Api.InputPeerUser);
    }
    expect(new Set(h.telegram.deliveries.map((d) => d.randomId)).size).toBe(3);
    const alice = report.results.get('alice_one')!;
    expect(alice).toMatchObject({ recipient: 'alice_one', success: true, attempts: 1 });
    expect(['s0', 's1', 's2']).toContain(alice.sessionUsed);
  });

  it('spreads recipients evenly: round-robin over 3 sessions uses each session equally', async () => {
    h = harness();
    // GramJS's connect() takes a few turns; a session still connecting gets no work.
    await h.ready();
    const recipients = Array.from({ length: 9 }, (_, i) => `user_number${i}`);
    const report = await h.settle(h.manager.sendTextMessagesBulk(recipients, 'hi'));
    expect(report.summary.bySession).toEqual({
      s0: { sent: 3, failed: 0 },
      s1: { sent: 3, failed: 0 },
      s2: { sent: 3, failed: 0 },
    });
  });

  it('retries an unknown outcome on the same session with the same randomId and counts RANDOM_ID_DUPLICATE as sent', async () => {
    h = harness({ sessions: 2 });
    const t = h.telegram;
    // The first send is delivered but the answer is lost (never arrives): the attempt times out.
    // (A TIMEOUT/RPC_CALL_FAIL answer would be retried by GramJS's own invoke after a real 2 s sleep.)
    t.fault = ({ request, n }) =>
      request instanceof Api.messages.SendMessage && n === 1 ? { hang: true, after: true } : undefined;
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'once'));
    const sends = t.requests.filter((r) => r.request instanceof Api.messages.SendMessage);
    expect(sends).toHaveLength(2);
    expect(sends[1]!.session).toBe(sends[0]!.session);
    expect(String((sends[1]!.request as Api.messages.SendMessage).randomId)).toBe(
      String((sends[0]!.request as Api.messages.SendMessage).randomId),
    );
    expect(t.deliveries).toHaveLength(1);
    expect(report.results.get('alice_one')).toMatchObject({ success: true, attempts: 2 });
  });

  it('moves a recipient to another session after a flood wait and backs the first off for exactly n seconds', async () => {
    h = harness({ sessions: 2 });
    const t = h.telegram;
    t.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.messages.SendMessage ? { rpc: 'FLOOD_WAIT_30' } : undefined;
    const op = h.manager.sendTextMessagesBulk(['alice_one'], 'x');
    const report = await h.settle(op, 1000);
    expect(report.results.get('alice_one')).toMatchObject({ success: true, sessionUsed: 's1' });
    const s0 = h.manager.pool.snapshot().workers.find((w) => w.id === 's0')!;
    expect(s0.state).toBe('backoff');
    expect(s0.backoffUntil).toBe(30_000);
  });

  it('fails target-level errors for that recipient only, with no retry', async () => {
    h = harness({ sessions: 2 });
    const t = h.telegram;
    const bob = `user:${t.user('bob_blocked')!.id}`;
    t.fault = ({ peer }) => (peer === bob ? { rpc: 'USER_PRIVACY_RESTRICTED' } : undefined);
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one', 'bob_blocked'], 'x'));
    expect(report.results.get('bob_blocked')).toMatchObject({
      success: false,
      error: 'USER_PRIVACY_RESTRICTED',
      attempts: 1,
    });
    expect(report.results.get('alice_one')?.success).toBe(true);
    expect(report.summary.byError).toEqual({ USER_PRIVACY_RESTRICTED: 1 });
  });

  it('takes send-to-strangers from a PEER_FLOOD session for restrictionMs while it keeps other work', async () => {
    h = harness({ sessions: 2, restrictionMs: 3600_000 });
    const t = h.telegram;
    t.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.messages.SendMessage ? { rpc: 'PEER_FLOOD' } : undefined;
    const report = await h.settle(
      h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo', 'carol_three'], 'x'),
      60_000,
    );
    expect(report.summary.sent).toBe(3);
    expect(report.summary.bySession).toEqual({ s1: { sent: 3, failed: 0 } });
    const info = h.manager.getSessionInfo('s0');
    expect(info.capabilities).not.toContain('send-to-strangers');
    expect(info.capabilities).toContain('scrape');
    expect(info.restricted['send-to-strangers']).toBeGreaterThan(0);
    await h.clock.advance(3600_000);
    expect(h.manager.getSessionInfo('s0').capabilities).toContain('send-to-strangers');
  });

  it('still reports a restriction after shutdown, as it stood at the end, with no timer left', async () => {
    h = harness({ sessions: 2, restrictionMs: 3600_000 });
    h.telegram.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.messages.SendMessage ? { rpc: 'PEER_FLOOD' } : undefined;
    await h.settle(h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo'], 'x'), 60_000);
    const until = h.manager.getSessionInfo('s0').restricted['send-to-strangers'];
    expect(until).toBeGreaterThan(h.clock.now());
    await h.manager.shutdown();
    await h.clock.advance(2 * 3600_000);
    expect(h.clock.pendingTimers()).toBe(0);
    expect(h.manager.getSessionInfo('s0').restricted).toEqual({ 'send-to-strangers': until });
    expect(h.manager.snapshot().sessions.map((s) => [s.name, Object.keys(s.restricted)])).toEqual([
      ['s0', ['send-to-strangers']],
      ['s1', []],
    ]);
  });

  it('holds only the chat on SLOWMODE_WAIT, then sends', async () => {
    h = harness({ sessions: 1 });
    const t = h.telegram;
    t.fault = ({ request, n }) =>
      request instanceof Api.messages.SendMessage && n === 1 ? { rpc: 'SLOWMODE_WAIT_10' } : undefined;
    const op = h.manager.sendTextMessagesBulk(['alice_one'], 'x');
    const report = await h.settle(op);
    expect(report.results.get('alice_one')?.success).toBe(true);
    expect(h.clock.now()).toBeGreaterThanOrEqual(10_000);
    expect(h.manager.pool.snapshot().workers[0]!.stats.rateLimited).toBeGreaterThanOrEqual(1);
  });

  it('marks a session dead on AUTH_KEY_UNREGISTERED, moves its work and never reconnects it', async () => {
    h = harness({ sessions: 2 });
    const t = h.telegram;
    t.kill('s0', 'AUTH_KEY_UNREGISTERED');
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo'], 'x'));
    expect(report.summary.sent).toBe(2);
    const s0 = h.manager.pool.snapshot().workers.find((w) => w.id === 's0')!;
    expect(s0.state).toBe('disconnected');
    expect(s0.substate).toBe('dead');
    expect(h.manager.getSessionInfo('s0').connection).toBe('dead');
    await h.clock.advance(3600_000);
    expect(h.manager.getSessionInfo('s0').connection).toBe('dead');
  });

  it('waits the per-session delay between two sends of one session (pace)', async () => {
    h = harness({ sessions: 1 });
    const times: number[] = [];
    h.telegram.onRequest = ({ request }) => {
      if (request instanceof Api.messages.SendMessage) times.push(h!.clock.now());
    };
    await h.settle(
      h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo', 'carol_three'], 'x', { delayMs: 2000 }),
    );
    expect(times).toEqual([0, 2000, 4000]);
  });
});
