// GramJS's invoke repeats a request that Telegram answered with a server error by itself and
// throws only the last answer. For a send, the first try may have been delivered; if the repeat
// is then answered with an error that means "not sent" (a flood wait), the message must still
// not go out again from another session.
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { gramJsSleepsOn } from './gramJsSleep.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { internals } from './scriptedSender.js';

let h: ScriptedHarness | undefined;
let restoreSleep = () => {};
afterEach(async () => {
  restoreSleep();
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

describe('a send Telegram answered with a server error', () => {
  it('is delivered once: GramJS does not repeat it behind the pool, whose retry stays on the session with the same randomId', async () => {
    h = scriptedHarness({ sessions: 2, users: ['alice_one'], strategy: 'round-robin' });
    restoreSleep = gramJsSleepsOn(h.clock);
    await h.ready();
    // s0's first send is carried out, but the answer is RPC_CALL_FAIL; the next try floods for
    // 30 s; after that Telegram answers as it does for a randomId it has seen.
    h.telegram.fault = ({ session, request, n }) => {
      if (session !== 's0' || !(request instanceof Api.messages.SendMessage)) return undefined;
      if (n === 1) return { rpc: 'RPC_CALL_FAIL', after: true };
      return n === 2 ? { rpc: 'FLOOD_WAIT_30' } : undefined;
    };
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(h.telegram.deliveries).toHaveLength(1);
    expect(h.telegram.deliveries[0]!.session).toBe('s0');
    expect(report.results.get('alice_one')).toMatchObject({ success: true, sessionUsed: 's0', attempts: 3 });
    expect(h.clock.now()).toBeGreaterThanOrEqual(30_000);
    // Every send went to s0 with the one randomId: the repeat was the pool's, on the same session.
    const sends = h.telegram.requests.filter((r) => r.request instanceof Api.messages.SendMessage);
    expect(new Set(sends.map((r) => r.session))).toEqual(new Set(['s0']));
    expect(new Set(sends.map((r) => String((r.request as Api.messages.SendMessage).randomId))).size).toBe(1);
  });

  it("sets GramJS's requestRetries to 1 on every client it is given, a client the caller built too", async () => {
    h = scriptedHarness({ sessions: 1, users: ['alice_one'] });
    const mine = h.telegram.userBuiltClient('mine');
    expect(internals(mine)._requestRetries).toBe(5);
    h.manager.addSession({ name: 'mine', client: mine });
    expect(internals(mine)._requestRetries).toBe(1);
    expect(internals(h.telegram.client('s0'))._requestRetries).toBe(1);
  });
});
