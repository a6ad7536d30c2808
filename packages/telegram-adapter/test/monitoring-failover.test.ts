import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoredMessage } from '../src/chatMonitor.js';
import { flush } from './monitoring.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { internals } from './scriptedSender.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

function twoChannels(h: { news: number; chat: number }) {
  return scriptedHarness({
    sessions: 2,
    users: ['alice_one'],
    before: (t) => {
      h.news = t.addChannel({ username: 'news_channel', members: ['s0', 's1', 'alice_one'] }).id;
      h.chat = t.addChannel({ username: 'chat_channel', members: ['s0', 's1', 'alice_one'] }).id;
    },
  });
}

describe('monitoring', () => {
  it('delivers new messages, each chat watched by exactly one session', async () => {
    const ids = { news: 0, chat: 0 };
    h = twoChannels(ids);
    await h.ready();
    const got: MonitoredMessage[] = [];
    h.manager.startMonitoring(['news_channel', 'chat_channel']).subscribe((m) => got.push(m));
    await flush(h);
    const assigned = h.manager.getMonitoringAssignments();
    expect(new Set(assigned.values()).size).toBe(2);
    h.telegram.pushNewMessage({ channel: ids.news, text: 'hello', from: 'alice_one' });
    h.telegram.pushNewMessage({ channel: ids.chat, text: 'world', from: 'alice_one' });
    await flush(h);
    // Two chats on two clients: each chat's order holds, not the order between them.
    expect(got.map((m) => [m.chat, m.text, m.backfilled]).sort()).toEqual([
      ['chat_channel', 'world', false],
      ['news_channel', 'hello', false],
    ]);
    for (const m of got) expect(m.session).toBe(assigned.get(m.chat));
    expect(got[0]!.senderId).toBe(String(h.telegram.user('alice_one')!.id));
  });

  it('fails over to another session when its session disconnects and back-fills what it missed', async () => {
    const ids = { news: 0, chat: 0 };
    h = twoChannels(ids);
    await h.ready();
    const got: MonitoredMessage[] = [];
    h.manager.startMonitoring(['news_channel']).subscribe((m) => got.push(m));
    await flush(h);
    const first = h.manager.getMonitoringAssignments().get('news_channel')!;
    const other = first === 's0' ? 's1' : 's0';
    h.telegram.pushNewMessage({ channel: ids.news, text: 'one' });
    await flush(h);
    h.telegram.unreachable.add(first);
    h.telegram.drop(first);
    await flush(h);
    // Posted while nobody watches.
    h.telegram.pushNewMessage({ channel: ids.news, text: 'two', to: [] });
    h.telegram.pushNewMessage({ channel: ids.news, text: 'three', to: [] });
    await flush(h, 2000);
    expect(h.manager.getMonitoringAssignments().get('news_channel')).toBe(other);
    h.telegram.pushNewMessage({ channel: ids.news, text: 'four' });
    await flush(h);
    expect(got.map((m) => [m.text, m.session, m.backfilled])).toEqual([
      ['one', first, false],
      ['two', other, true],
      ['three', other, true],
      ['four', other, false],
    ]);
  });

  it('stopMonitoring releases every handler and completes the stream', async () => {
    const ids = { news: 0, chat: 0 };
    h = twoChannels(ids);
    await h.ready();
    const client = internals(h.telegram.client('s0'));
    const before = client._eventBuilders.length + internals(h.telegram.client('s1'))._eventBuilders.length;
    let completed = false;
    h.manager.startMonitoring(['news_channel']).subscribe({ complete: () => (completed = true) });
    await flush(h);
    const during = client._eventBuilders.length + internals(h.telegram.client('s1'))._eventBuilders.length;
    expect(during).toBe(before + 1);
    await h.manager.stopMonitoring();
    expect(completed).toBe(true);
    const after = client._eventBuilders.length + internals(h.telegram.client('s1'))._eventBuilders.length;
    expect(after).toBe(before);
    expect(h.manager.getOperationCount('monitoring')).toBe(0);
  });

  it('rejects invite links and duplicates', async () => {
    const ids = { news: 0, chat: 0 };
    h = twoChannels(ids);
    expect(() => h!.manager.startMonitoring(['t.me/+AbCdEfGh12'])).toThrow(/join the chat first/);
    h.manager.startMonitoring(['news_channel']);
    expect(() => h!.manager.startMonitoring(['news_channel'])).toThrow(/already monitored/);
  });
});
