import { ValidationError, VirtualClock } from '@switchyard/core';
import type { TelegramClient } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { ScriptedTelegram } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  // Nothing of the adapter's (reconnect, connect timeout, deadline) is left on the clock.
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const users = ['alice_one', 'bob_twooo', 'carol_three'];
/** Let GramJS's connect() of the reachable sessions finish (a few turns of the event loop). */
async function connected(h: ScriptedHarness, session: string): Promise<void> {
  for (let i = 0; i < 100 && h.manager.getSessionInfo(session).connection !== 'connected'; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(h.manager.getSessionInfo(session).connection).toBe('connected');
}

const connectsOf = (h: ScriptedHarness, session: string) =>
  h.telegram.connects.filter((s) => s === session).length;

describe('a session whose connect() returns false (Telegram unreachable)', () => {
  it('is not reported connected, gets no sends, and is retried with backoff until it connects', async () => {
    h = scriptedHarness({ sessions: 2, users, unreachable: ['s1'] });
    await h.ready();
    expect(h.manager.getSessionInfo('s1').connection).toBe('reconnecting');
    const report = await h.settle(h.manager.sendTextMessagesBulk(users, 'hi'));
    expect(report.summary.bySession).toEqual({ s0: { sent: 3, failed: 0 } });
    // Retried on the reconnect backoff (1 s, 2 s, 4 s… with jitter), not once and not in a loop.
    await h.clock.advance(10_000);
    const tries = connectsOf(h, 's1');
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(5);
    h.telegram.unreachable.delete('s1');
    await h.clock.advance(60_000);
    expect(h.manager.getSessionInfo('s1').connection).toBe('connected');
  });
});

describe('a session whose connect() never completes', () => {
  it('is timed out after connectTimeoutMs and tried again', async () => {
    h = scriptedHarness({
      sessions: 2,
      users,
      connectTimeoutMs: 5000,
      before: (tg) => tg.hangConnect.add('s1'),
    });
    await connected(h, 's0');
    expect(connectsOf(h, 's1')).toBe(1);
    await h.clock.advance(4999);
    expect(connectsOf(h, 's1')).toBe(1);
    // Timed out at 5 s, then the first backoff (0.5–1 s) and a second try.
    await h.clock.advance(1001);
    expect(connectsOf(h, 's1')).toBe(2);
    expect(h.manager.getSessionInfo('s1').connection).toBe('reconnecting');
    h.telegram.hangConnect.delete('s1');
    await h.clock.advance(30_000);
    expect(h.manager.getSessionInfo('s1').connection).toBe('connected');
  });

  it('times out after 30 s by default', async () => {
    h = scriptedHarness({ sessions: 1, before: (tg) => tg.hangConnect.add('s0') });
    await h.clock.advance(29_999);
    expect(connectsOf(h, 's0')).toBe(1);
    await h.clock.advance(1001);
    expect(connectsOf(h, 's0')).toBe(2);
  });

  it('does not hang a bulk send when every session hangs: the items fail with a clear reason within the wait budget', async () => {
    h = scriptedHarness({
      sessions: 2,
      users,
      retry: { maxRateLimitWaitMs: 120_000 },
      before: (tg) => {
        tg.hangConnect.add('s0');
        tg.hangConnect.add('s1');
      },
    });
    const report = await h.settle(h.manager.sendTextMessagesBulk(users, 'hi'), 3600_000);
    expect(report.summary).toMatchObject({ sent: 0, failed: 3 });
    for (const u of users) expect(report.results.get(u)).toMatchObject({ error: 'E_NO_CONNECTED_SESSION' });
    expect(h.clock.now()).toBe(120_000);
    expect(h.telegram.deliveries).toHaveLength(0);
  });

  it('validates connectTimeoutMs like the other options', () => {
    const clock = new VirtualClock(0);
    const telegram = new ScriptedTelegram({ clock });
    const sessions = [{ name: 's0', client: telegram.client('s0') }];
    const accepted = new TelegramSessionManager({ sessions, clock, connect: false, connectTimeoutMs: 5000 });
    void accepted.shutdown();
    expect(() => new TelegramSessionManager({ sessions, connect: false, connectTimeoutMs: 0 })).toThrow(
      ValidationError,
    );
    expect(() => new TelegramSessionManager({ sessions, connect: false, connectTimeoutMs: 0 })).toThrow(
      /connectTimeoutMs/,
    );
  });
});

describe('a session that dies', () => {
  it.each(['AUTH_KEY_UNREGISTERED', 'SESSION_REVOKED', 'USER_DEACTIVATED_BAN'])(
    '(%s) is destroyed, so GramJS stops pinging and reconnecting it, and its item moves on',
    async (wire) => {
      h = scriptedHarness({ sessions: 2, users, strategy: 'round-robin' });
      await h.ready();
      h.telegram.kill('s0', wire);
      const client = h.telegram.client('s0') as TelegramClient & { _destroyed: boolean };
      const report = await h.settle(h.manager.sendTextMessagesBulk(users, 'hi'));
      expect(report.summary.sent).toBe(3);
      expect(h.telegram.deliveries.every((d) => d.session === 's1')).toBe(true);
      expect(h.manager.getSessionInfo('s0').connection).toBe('dead');
      await h.clock.advance(0);
      // GramJS's ping loop runs while `_destroyed` is false; its sender reconnects while connected.
      expect(client._destroyed).toBe(true);
      expect(client.connected).toBe(false);
      await h.clock.advance(3600_000);
      expect(connectsOf(h, 's0')).toBe(1);
    },
  );

  it('falls back to disconnect() for a client without destroy()', async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    const client = h.telegram.client('s0') as TelegramClient & { _destroyed: boolean };
    Object.defineProperty(client, 'destroy', { value: undefined });
    h.telegram.kill('s0', 'SESSION_REVOKED');
    await h.settle(h.manager.sendTextMessagesBulk(users, 'hi'));
    await h.clock.advance(0);
    expect(client.connected).toBe(false);
    expect(client._destroyed).toBe(false);
  });
});
