import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { FaultContext } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const users = ['alice_one', 'bob_twooo', 'carol_three'];
const isSend = (ctx: FaultContext) => ctx.request instanceof Api.messages.SendMessage;

/**
 * An RPC error as another client library builds it (teleproto has its own error classes):
 * the same fields as GramJS's, but not an instance of any class of the `telegram` package.
 */
class ForeignRpcError extends Error {
  constructor(
    readonly errorMessage: string,
    readonly code: number,
    readonly seconds?: number,
  ) {
    super(`${code}: ${errorMessage} (caused by messages.SendMessage)`);
    this.name = seconds === undefined ? 'RPCError' : 'FloodWaitError';
  }
}

describe("errors are recognised by Telegram's error message and code", () => {
  it('takes a frozen account (FROZEN_METHOD_INVALID) out of sending, like PEER_FLOOD, and moves its items', async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    h.telegram.fault = (ctx) =>
      isSend(ctx) && ctx.session === 's0' ? { rpc: 'FROZEN_METHOD_INVALID', code: 420 } : undefined;
    const report = await h.settle(h.manager.sendTextMessagesBulk(users, 'hi'));
    expect(report.summary).toMatchObject({ sent: 3, failed: 0 });
    expect(h.telegram.deliveries.every((d) => d.session === 's1')).toBe(true);
    const info = h.manager.getSessionInfo('s0');
    expect(info.capabilities).not.toContain('send-to-strangers');
    expect(Object.keys(info.restricted)).toContain('send-to-strangers');
  });

  it('reports an unrecognised error by its code, never by its whole text', async () => {
    h = scriptedHarness({ sessions: 1, users: ['alice_one'] });
    await h.ready();
    h.telegram.fault = (ctx) => (isSend(ctx) ? { rpc: 'SOME_NEW_ERROR', code: 400 } : undefined);
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(report.results.get('alice_one')).toMatchObject({ success: false, error: 'SOME_NEW_ERROR' });
    expect(report.summary.byError).toEqual({ SOME_NEW_ERROR: 1 });
  });

  it("understands a flood wait from a client whose error classes are not GramJS's", async () => {
    h = scriptedHarness({ sessions: 2, users: ['alice_one'] });
    await h.ready();
    let thrown = false;
    h.telegram.onRequest = (ctx) => {
      if (!isSend(ctx) || thrown) return;
      thrown = true;
      throw new ForeignRpcError('FLOOD', 420, 1200);
    };
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(report.results.get('alice_one')).toMatchObject({ success: true, attempts: 2 });
    const backingOff = h.manager.pool.snapshot().workers.filter((w) => w.state === 'backoff');
    expect(backingOff.map((w) => w.backoffUntil)).toEqual([1_200_000]);
  });

  it("understands a dead session and a target error from a client whose error classes are not GramJS's", async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    h.telegram.onRequest = (ctx) => {
      if (!isSend(ctx)) return;
      if (ctx.session === 's0') throw new ForeignRpcError('AUTH_KEY_UNREGISTERED', 401);
      if (ctx.peer === `user:${h!.telegram.user('carol_three')!.id}`)
        throw new ForeignRpcError('USER_PRIVACY_RESTRICTED', 403);
    };
    const report = await h.settle(h.manager.sendTextMessagesBulk(users, 'hi'));
    expect(h.manager.getSessionInfo('s0').connection).toBe('dead');
    expect(report.results.get('carol_three')).toMatchObject({
      success: false,
      error: 'USER_PRIVACY_RESTRICTED',
      sessionUsed: 's1',
    });
    expect(report.summary.sent).toBe(2);
  });
});
