import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { gramJsSleepsOn } from './gramJsSleep.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

// GramJS leaves a request on a destroyed client unanswered for ever, and the adapter destroys a
// session's client once it is declared dead. Until a send's request is handed to the client
// nothing can have reached Telegram, so an attempt cut off before then moves to another session;
// one cut off after it may have been delivered, and is never sent from anywhere else.

let h: ScriptedHarness | undefined;
let restoreSleep = () => {};
afterEach(async () => {
  restoreSleep();
  await h?.manager.shutdown();
  h = undefined;
});

const sendsTo = (h: ScriptedHarness, username: string) =>
  h.telegram.deliveriesTo(`user:${h.telegram.user(username)!.id}`);

describe('a send cut off before its request was handed to the client', () => {
  it('moves to a live session at once when its session is declared dead while it resolves the peer', async () => {
    // s1 and s2 are dead. aa0aa is refused on s1, retried on s2 while s2's own first send is being
    // refused: s2 is declared dead and its client destroyed while aa0aa is still being resolved.
    const recipients = ['a0aaa', 'aa0aa', 'aaaa0', 'aaa0a', 'aaa0b'];
    h = scriptedHarness({
      users: recipients,
      sessions: 4,
      seed: 0,
      requestTimeoutMs: 30_000,
      retry: { retries: 30, minTimeoutMs: 100, maxTimeoutMs: 5000 },
    });
    restoreSleep = gramJsSleepsOn(h.clock);
    await h.ready();
    h.telegram.fault = ({ session, request }) =>
      request instanceof Api.messages.SendMessage && (session === 's1' || session === 's2')
        ? { rpc: 'AUTH_KEY_UNREGISTERED', code: 401 }
        : undefined;
    const report = await h.settle(h.manager.sendTextMessagesBulk(recipients, 'hello'));
    for (const r of recipients) {
      expect(sendsTo(h, r), r).toHaveLength(1);
      expect(report.results.get(r), r).toMatchObject({ success: true, outcome: 'sent' });
    }
    expect(['s0', 's3']).toContain(report.results.get('aa0aa')?.sessionUsed);
    // Long before the 30 s attempt timeout: the cut-off attempt ended when s2 was declared dead.
    expect(report.results.get('aa0aa')!.timestamp).toBeLessThan(5000);
    expect(h.telegram.deliveries).toHaveLength(recipients.length);
  });

  it('moves to another session after its attempt timed out while resolving, and the late answer sends nothing', async () => {
    h = scriptedHarness({ users: ['alice_one'], sessions: 2, requestTimeoutMs: 10_000 });
    await h.ready();
    // The first resolution answers only after five minutes; later ones at once. The session that
    // was resolving cannot message strangers any more (PEER_FLOOD), so only the other one can
    // send: the item must not stay pinned to the first.
    let slowOn: string | undefined;
    h.telegram.onRequest = ({ session, request }) => {
      if (!(request instanceof Api.contacts.ResolveUsername) || slowOn !== undefined) return undefined;
      slowOn = session;
      return new Promise<void>((resolve) => h!.clock.setTimeout(resolve, 5 * 60_000));
    };
    h.telegram.fault = ({ session, request }) =>
      request instanceof Api.messages.SendMessage && session === slowOn ? { rpc: 'PEER_FLOOD' } : undefined;
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'), 60_000);
    expect(report.results.get('alice_one')).toMatchObject({ success: true, outcome: 'sent' });
    expect(report.results.get('alice_one')!.sessionUsed).not.toBe(slowOn);
    await h.clock.advance(10 * 60_000);
    expect(sendsTo(h, 'alice_one')).toHaveLength(1);
  });
});

describe('a send cut off after its request was handed to the client', () => {
  it('is never sent from another session when its session is declared dead, and ends at once', async () => {
    const recipients = ['alice_one', 'bob_twooo', 'carol_three', 'dave_four', 'erin_five', 'frank_six'];
    h = scriptedHarness({ users: recipients, sessions: 2, sessionCapacity: 2, requestTimeoutMs: 60_000 });
    await h.ready();
    // alice_one's message is delivered but its answer never comes; the next send on that
    // session finds the account unregistered.
    let hungOn: string | undefined;
    h.telegram.fault = ({ session, request, peer }) => {
      if (!(request instanceof Api.messages.SendMessage)) return undefined;
      if (hungOn === undefined && peer === `user:${h!.telegram.user('alice_one')!.id}`) {
        hungOn = session;
        return { hang: true, after: true };
      }
      return session === hungOn ? { rpc: 'AUTH_KEY_UNREGISTERED', code: 401 } : undefined;
    };
    const report = await h.settle(h.manager.sendTextMessagesBulk(recipients, 'hello'));
    expect(hungOn).toBeDefined();
    expect(sendsTo(h, 'alice_one')).toHaveLength(1);
    expect(report.results.get('alice_one')).toMatchObject({ success: false, sessionUsed: hungOn });
    expect(report.results.get('alice_one')!.timestamp).toBeLessThan(60_000);
    for (const r of recipients.slice(1)) {
      expect(sendsTo(h, r), r).toHaveLength(1);
      expect(report.results.get(r), r).toMatchObject({ success: true });
    }
    await h.clock.advance(10 * 60_000);
    expect(sendsTo(h, 'alice_one')).toHaveLength(1);
  });
});
