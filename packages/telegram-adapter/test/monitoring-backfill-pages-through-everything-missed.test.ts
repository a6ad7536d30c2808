// After a failover the new session fetches every message the chat got while nobody watched
// it, page after page (Telegram returns at most 100 per messages.GetHistory), not only the
// newest page; more than backfillLimit is said, not dropped silently.
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { flush, loseWatcher, watch } from './monitoring.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

function channelHarness(options: { backfillLimit?: number; requestTimeoutMs?: number } = {}): {
  h: ScriptedHarness;
  channel: () => number;
} {
  let id = 0;
  const harness = scriptedHarness({
    sessions: 2,
    users: ['alice_one'],
    ...options,
    before: (t) => {
      id = t.addChannel({ username: 'busy_channel', members: ['s0', 's1', 'alice_one'] }).id;
    },
  });
  return { h: harness, channel: () => id };
}

const texts = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

describe('back-fill after a failover', () => {
  it('pages through all 250 missed messages and delivers each once, in order', async () => {
    const setup = channelHarness();
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'seen live', from: 'alice_one' });
    await flush(h);
    const first = await loseWatcher(h, 'busy_channel');
    const other = first === 's0' ? 's1' : 's0';
    const missed = texts(250, 'missed');
    for (const text of missed) h.telegram.pushNewMessage({ channel: setup.channel(), text, to: [] });
    await flush(h, 2000);
    expect(h.manager.getMonitoringAssignments().get('busy_channel')).toBe(other);
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'live again' });
    await flush(h);
    expect(got.map((m) => m.text)).toEqual(['seen live', ...missed, 'live again']);
    expect(got.slice(1, 251).every((m) => m.backfilled && m.session === other)).toBe(true);
    expect(got.some((m) => m.gapBefore)).toBe(false);
    const ids = got.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // Several pages of at most 100, each below the last one's oldest message.
    const pages = h.telegram
      .requestsOf(other, 'messages.GetHistory')
      .map((r) => r as Api.messages.GetHistory)
      .filter((r) => r.minId > 0);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.every((r) => r.limit <= 100 && r.minId === got[0]!.id)).toBe(true);
  });

  it('delivers the newest backfillLimit messages of a larger gap and marks the first with gapBefore', async () => {
    const setup = channelHarness({ backfillLimit: 50 });
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'seen live' });
    await flush(h);
    await loseWatcher(h, 'busy_channel');
    const missed = texts(120, 'missed');
    for (const text of missed) h.telegram.pushNewMessage({ channel: setup.channel(), text, to: [] });
    await flush(h, 2000);
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'live again' });
    await flush(h);
    expect(got.map((m) => m.text)).toEqual(['seen live', ...missed.slice(-50), 'live again']);
    expect(got.map((m) => m.gapBefore ?? false)).toEqual([false, true, ...Array(50).fill(false)]);
    expect(h.logs.some((l) => l.includes('backfillLimit'))).toBe(true);
  });

  it('an exact backfillLimit of missed messages is no gap', async () => {
    const setup = channelHarness({ backfillLimit: 50 });
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    await loseWatcher(h, 'busy_channel');
    const missed = texts(50, 'missed');
    for (const text of missed) h.telegram.pushNewMessage({ channel: setup.channel(), text, to: [] });
    await flush(h, 2000);
    expect(got.map((m) => m.text)).toEqual(missed);
    expect(got.some((m) => m.gapBefore)).toBe(false);
  });

  it('back-fills a failover that comes before the first message was delivered', async () => {
    const setup = channelHarness();
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    await loseWatcher(h, 'busy_channel');
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'while nobody watched', to: [] });
    await flush(h, 2000);
    expect(got.map((m) => [m.text, m.backfilled])).toEqual([['while nobody watched', true]]);
  });

  it('a back-fill that meets a FLOOD_WAIT is tried again and delivers each missed message once', async () => {
    const setup = channelHarness();
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'seen live' });
    await flush(h);
    const first = await loseWatcher(h, 'busy_channel');
    const other = first === 's0' ? 's1' : 's0';
    const missed = texts(150, 'missed');
    for (const text of missed) h.telegram.pushNewMessage({ channel: setup.channel(), text, to: [] });
    // The second page of the first back-fill is refused.
    h.telegram.fault = ({ session, request, n }) =>
      session === other && request instanceof Api.messages.GetHistory && n === 2
        ? { rpc: 'FLOOD_WAIT_5' }
        : undefined;
    await flush(h, 20_000);
    expect(got.map((m) => m.text)).toEqual(['seen live', ...missed]);
    const attempts = h.telegram.requestsOf(other, 'messages.GetHistory').length;
    expect(attempts).toBeGreaterThan(3);
  });

  it('a back-fill request that never answers is given up after requestTimeoutMs and tried again', async () => {
    const setup = channelHarness({ requestTimeoutMs: 10_000 });
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    const first = await loseWatcher(h, 'busy_channel');
    const other = first === 's0' ? 's1' : 's0';
    h.telegram.fault = ({ session, request, n }) =>
      session === other && request instanceof Api.messages.GetHistory && n === 1 ? { hang: true } : undefined;
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'missed', to: [] });
    await flush(h, 5000);
    expect(got).toEqual([]);
    await flush(h, 10_000);
    expect(got.map((m) => [m.text, m.session])).toEqual([['missed', other]]);
  });

  it('a back-fill answered after its session was lost moves nothing: the next session delivers everything once', async () => {
    let id = 0;
    h = scriptedHarness({
      sessions: 3,
      before: (t) => {
        id = t.addChannel({ username: 'busy_channel', members: ['s0', 's1', 's2'] }).id;
      },
    });
    await h.ready();
    const got = await watch(h, 'busy_channel');
    h.telegram.pushNewMessage({ channel: id, text: 'seen live' });
    await flush(h);
    let release = () => {};
    let held: string | undefined;
    h.telegram.onRequest = ({ session, request }) => {
      if (held !== undefined || !(request instanceof Api.messages.GetHistory) || request.minId === 0) return;
      held = session;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    await loseWatcher(h, 'busy_channel');
    const missed = texts(3, 'missed');
    for (const text of missed) h.telegram.pushNewMessage({ channel: id, text, to: [] });
    await flush(h, 2000);
    expect(held).toBeDefined();
    // The session reading the back-fill is lost too; its answer comes afterwards.
    await loseWatcher(h, 'busy_channel');
    release();
    await flush(h, 2000);
    const last = h.manager.getMonitoringAssignments().get('busy_channel');
    expect(last).toBeDefined();
    expect(last).not.toBe(held);
    expect(got.map((m) => m.text)).toEqual(['seen live', ...missed]);
  });

  it('a message pushed live while the back-fill is read is delivered once, after the missed ones', async () => {
    const setup = channelHarness();
    h = setup.h;
    await h.ready();
    const got = await watch(h, 'busy_channel');
    h.telegram.pushNewMessage({ channel: setup.channel(), text: 'seen live' });
    await flush(h);
    const first = await loseWatcher(h, 'busy_channel');
    const other = first === 's0' ? 's1' : 's0';
    for (const text of texts(3, 'missed'))
      h.telegram.pushNewMessage({ channel: setup.channel(), text, to: [] });
    let pushed = false;
    const telegram = h.telegram;
    telegram.onRequest = ({ session, request }) => {
      if (session !== other || !(request instanceof Api.messages.GetHistory) || request.minId === 0 || pushed)
        return;
      pushed = true;
      // Stored before this request is answered and pushed live to the new session too.
      telegram.pushNewMessage({ channel: setup.channel(), text: 'during the back-fill' });
    };
    await flush(h, 2000);
    expect(pushed).toBe(true);
    expect(got.map((m) => m.text)).toEqual([
      'seen live',
      'missed 1',
      'missed 2',
      'missed 3',
      'during the back-fill',
    ]);
  });
});
