// Seed 001's test list (tests/test_bulk_message_sending.py), ported to the TelegramSessionManager API.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@switchyard/core';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { NoLiveSessionError } from '../src/adapterErrors.js';
import { sleep } from '../src/chatMonitor.js';
import { requestsMade, type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const users = (n: number) => Array.from({ length: n }, (_, i) => `bulk_user${i}`);
const EXISTING = [...users(30), 'valid_user', 'first_user', 'second_user', 'old_style'];

/** A fleet of real GramJS clients on the scripted Telegram, connected. */
async function harness(options: Parameters<typeof scriptedHarness>[0] = {}): Promise<ScriptedHarness> {
  const harness = scriptedHarness({ users: EXISTING, ...options });
  await harness.ready();
  return harness;
}

describe('seed 001: bulk message sending', () => {
  it('test_send_text_messages_bulk_basic', async () => {
    h = await harness();
    const { results, summary } = await h.settle(
      h.manager.sendTextMessagesBulk(users(3), 'Hello from the bot!'),
    );
    expect(summary).toMatchObject({ total: 3, sent: 3, failed: 0 });
    for (const [recipient, r] of results) {
      expect(r).toMatchObject({ recipient, success: true, outcome: 'sent', attempts: 1 });
      expect(typeof r.timestamp).toBe('number');
    }
  });

  it('test_send_text_messages_bulk_distribution: the load spreads evenly over the sessions', async () => {
    h = await harness({ strategy: 'least-loaded' });
    const { summary } = await h.settle(h.manager.sendTextMessagesBulk(users(30), 'x'));
    expect(Object.values(summary.bySession).map((s) => s.sent)).toEqual([10, 10, 10]);
  });

  it('test_send_text_messages_bulk_invalid_recipients: skipped with a reason, nothing sent to them', async () => {
    h = await harness();
    const { results, summary } = await h.settle(
      h.manager.sendTextMessagesBulk(['valid_user', 'no', '__x__'], 'x'),
    );
    expect(summary).toMatchObject({ sent: 1, skipped: 2 });
    expect(results.get('no')?.error).toMatch(/at least 5/);
    expect(h.telegram.deliveries).toHaveLength(1);
  });

  it('test_send_text_messages_bulk_no_sessions: a fleet with no live session rejects clearly', async () => {
    expect(() => scriptedHarness({ sessions: 0 })).toThrow(/at least one session/);
    h = await harness({ sessions: 1 });
    h.telegram.kill('s0', 'USER_DEACTIVATED_BAN');
    await h.settle(h.manager.sendTextMessagesBulk(['first_user'], 'x'));
    await expect(h.settle(h.manager.sendTextMessagesBulk(['second_user'], 'x'))).rejects.toBeInstanceOf(
      NoLiveSessionError,
    );
  });

  it('test_send_text_messages_bulk_session_load_tracking: load rises per send and returns to 0', async () => {
    h = await harness({ sessions: 1 });
    const loads: number[] = [];
    h.telegram.onRequest = async ({ request }) => {
      if (request instanceof Api.messages.SendMessage) {
        loads.push(h!.manager.getSessionLoad('s0'));
        await sleep(h!.clock, 50);
      }
    };
    await h.settle(h.manager.sendTextMessagesBulk(users(3), 'x', { delayMs: 100 }));
    expect(loads).toEqual([1, 1, 1]);
    expect(h.manager.getSessionLoad('s0')).toBe(0);
  });

  it('test_send_text_messages_bulk_metrics_tracking: the sending metric rises and falls', async () => {
    h = await harness({ sessions: 2 });
    let peak = 0;
    h.telegram.onRequest = async ({ request }) => {
      if (request instanceof Api.messages.SendMessage) {
        peak = Math.max(peak, h!.manager.getOperationCount('sending'));
        await sleep(h!.clock, 50);
      }
    };
    await h.settle(h.manager.sendTextMessagesBulk(users(4), 'x'));
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(h.manager.getOperationCount('sending')).toBe(0);
  });

  it('test_send_media_messages_bulk_basic', async () => {
    h = await harness();
    const dir = await mkdtemp(join(tmpdir(), 'seed001-'));
    const path = join(dir, 'image.jpg');
    await writeFile(path, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]));
    const { summary } = await h.settle(
      h.manager.sendMediaMessagesBulk(users(3), path, 'image', { caption: 'Check this out!', delayMs: 0 }),
    );
    expect(summary.sent).toBe(3);
    expect(h.telegram.deliveries).toHaveLength(3);
    expect(h.telegram.deliveries.every((d) => d.request instanceof Api.messages.SendMedia)).toBe(true);
    expect(h.telegram.deliveries.every((d) => d.media instanceof Api.MessageMediaPhoto)).toBe(true);
    expect(h.telegram.deliveries.every((d) => d.text === 'Check this out!')).toBe(true);
  });

  it('test_send_media_messages_bulk_invalid_file: nothing is sent', async () => {
    h = await harness();
    const dir = await mkdtemp(join(tmpdir(), 'seed001-'));
    const path = join(dir, 'image.jpg');
    await writeFile(path, 'this is text, not a JPEG');
    await expect(h.settle(h.manager.sendMediaMessagesBulk(users(3), path, 'image'))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(requestsMade(h.telegram)).toHaveLength(0);
  });

  it('test_send_text_messages_bulk_single_session_per_recipient', async () => {
    h = await harness();
    await h.settle(h.manager.sendTextMessagesBulk(users(12), 'x'));
    const byPeer = new Map<string, Set<string>>();
    for (const d of h.telegram.deliveries)
      byPeer.set(d.peer, (byPeer.get(d.peer) ?? new Set()).add(d.session));
    expect(byPeer.size).toBe(12);
    for (const sessions of byPeer.values()) expect(sessions.size).toBe(1);
  });

  it('test_send_text_messages_bulk_with_failures: failures carry recipient, session and error', async () => {
    h = await harness();
    const blocked = `user:${h.telegram.user('bulk_user1')!.id}`;
    h.telegram.fault = ({ peer }) => (peer === blocked ? { rpc: 'USER_IS_BLOCKED' } : undefined);
    const { results, summary } = await h.settle(h.manager.sendTextMessagesBulk(users(3), 'x'));
    expect(summary).toMatchObject({ sent: 2, failed: 1 });
    const failed = results.get('bulk_user1')!;
    expect(failed).toMatchObject({
      success: false,
      outcome: 'failed',
      error: 'USER_IS_BLOCKED',
      attempts: 1,
    });
    expect(failed.sessionUsed).toMatch(/^s\d$/);
  });

  it('test_backward_compatibility_bulk_send_messages', async () => {
    h = await harness();
    const old = await h.settle(h.manager.bulkSendMessages(['old_style', 'no'], 'x', 0));
    expect(old).toEqual({ old_style: true, no: false });
  });
});
