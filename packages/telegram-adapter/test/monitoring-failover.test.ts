import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoredMessage } from '../src/chatMonitor.js';
import { type Harness, harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const groups = [
  { id: 21, username: 'news_channel', members: 5 },
  { id: 22, username: 'chat_channel', members: 5 },
];

describe('monitoring', () => {
  it('delivers new messages, each chat watched by exactly one session', async () => {
    h = harness({ groups, sessions: 2 });
    const got: MonitoredMessage[] = [];
    h.manager.startMonitoring(['news_channel', 'chat_channel']).subscribe((m) => got.push(m));
    await h.clock.advance(0);
    const assigned = h.manager.getMonitoringAssignments();
    expect(new Set(assigned.values()).size).toBe(2);
    h.telegram.post(21, 'hello');
    h.telegram.post(22, 'world');
    expect(got.map((m) => [m.chat, m.text, m.backfilled])).toEqual([
      ['news_channel', 'hello', false],
      ['chat_channel', 'world', false],
    ]);
    expect(got[0]!.session).toBe(assigned.get('news_channel'));
  });

  it('fails over to another session when its session disconnects and back-fills what it missed', async () => {
    h = harness({ groups, sessions: 2 });
    const got: MonitoredMessage[] = [];
    h.manager.startMonitoring(['news_channel']).subscribe((m) => got.push(m));
    await h.clock.advance(0);
    const first = h.manager.getMonitoringAssignments().get('news_channel')!;
    const other = first === 's0' ? 's1' : 's0';
    h.telegram.post(21, 'one');
    h.telegram.offline.add(first);
    h.manager.reportDisconnected(first);
    // Posted while nobody watches.
    h.telegram.post(21, 'two', []);
    h.telegram.post(21, 'three', []);
    await h.clock.advance(2000);
    expect(h.manager.getMonitoringAssignments().get('news_channel')).toBe(other);
    h.telegram.post(21, 'four');
    expect(got.map((m) => [m.text, m.session, m.backfilled])).toEqual([
      ['one', first, false],
      ['two', other, true],
      ['three', other, true],
      ['four', other, false],
    ]);
  });

  it('stopMonitoring releases every handler and completes the stream', async () => {
    h = harness({ groups, sessions: 1 });
    let completed = false;
    h.manager.startMonitoring(['news_channel']).subscribe({ complete: () => (completed = true) });
    await h.clock.advance(0);
    await h.manager.stopMonitoring();
    expect(completed).toBe(true);
    const client = h.telegram.clients.get('s0') as unknown as { _eventBuilders: unknown[] };
    // Only the connection supervisor's handler is left.
    expect(client._eventBuilders).toHaveLength(1);
    expect(h.manager.getOperationCount('monitoring')).toBe(0);
  });

  it('rejects invite links and duplicates', () => {
    h = harness({ groups, sessions: 1 });
    expect(() => h!.manager.startMonitoring(['t.me/+AbCdEfGh12'])).toThrow(/join the chat first/);
    h.manager.startMonitoring(['news_channel']);
    expect(() => h!.manager.startMonitoring(['news_channel'])).toThrow(/already monitored/);
  });
});
