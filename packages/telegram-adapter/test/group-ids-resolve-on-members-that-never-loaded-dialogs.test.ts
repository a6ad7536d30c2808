import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const usernames = (members: readonly { username?: string }[]) =>
  members.map((m) => m.username).sort((a, b) => (a ?? '').localeCompare(b ?? ''));

/** Let GramJS's update path and the pool run on the virtual clock until `done` or a bound. */
async function until(h: ScriptedHarness, done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await h.clock.advance(0);
  }
}

describe('a group given by its -100 id, on a member session that has not loaded its dialogs', () => {
  it('is scraped: the dialogs are loaded once, then the id resolves', async () => {
    let markedId = '';
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one', 'bob_two'],
      before: (t) => {
        // Private: no username, so only the session's dialogs can teach GramJS its access hash.
        markedId = t.addChannel({ members: ['alice_one', 'bob_two', 's0'] }).markedId;
      },
    });
    await h.ready();
    expect(h.telegram.dialogsLoaded('s0')).toBe(false);
    const first = await h.settle(h.manager.scrapeGroupMembers(markedId));
    expect(first).toMatchObject({ success: true, complete: true, memberCount: 3 });
    expect(usernames(first.members)).toEqual(['alice_one', 'bob_two', undefined]);
    const second = await h.settle(h.manager.scrapeGroupMembers(markedId));
    expect(second.members).toHaveLength(3);
    // Once per session: the second scrape found the group in GramJS's entity cache.
    expect(h.telegram.requestsOf('s0', 'messages.GetDialogs')).toHaveLength(1);
  });

  it('pages through the dialogs when the group is not on the first page', async () => {
    let markedId = '';
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one'],
      before: (t) => {
        // Equal dates: the oldest-created chat is listed last, on the second page of 100.
        markedId = t.addChannel({ members: ['alice_one', 's0'] }).markedId;
        for (let i = 0; i < 149; i++) t.addChannel({ members: ['s0'] });
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers(markedId));
    expect(result).toMatchObject({ success: true, complete: true, memberCount: 2 });
    const loads = h.telegram.requestsOf('s0', 'messages.GetDialogs') as Api.messages.GetDialogs[];
    expect(loads).toHaveLength(2);
    expect(loads[0]!.offsetPeer).toBeInstanceOf(Api.InputPeerEmpty);
    expect(loads[1]!.offsetPeer).toBeInstanceOf(Api.InputPeerChannel);
  });

  it('is monitored: new messages arrive from the session that resolved it through its dialogs', async () => {
    let channelId = 0;
    let markedId = '';
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one'],
      before: (t) => {
        const c = t.addChannel({ members: ['alice_one', 's0'] });
        channelId = c.id;
        markedId = c.markedId;
      },
    });
    await h.ready();
    const seen: string[] = [];
    const sub = h.manager.startMonitoring([markedId]).subscribe((m) => seen.push(m.text));
    await until(h, () => h!.manager.getMonitoringAssignments().get(markedId) === 's0');
    expect(h.manager.getMonitoringAssignments().get(markedId)).toBe('s0');
    expect(h.telegram.dialogsLoaded('s0')).toBe(true);
    h.telegram.pushNewMessage({ channel: channelId, text: 'fresh news', from: 'alice_one' });
    await until(h, () => seen.length > 0);
    expect(seen).toEqual(['fresh news']);
    sub.unsubscribe();
  });

  it('a basic group given by its -chat id is scraped without loading dialogs', async () => {
    let markedId = '';
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one', 'bob_two'],
      before: (t) => {
        markedId = t.addBasicGroup({ members: ['s0', 'alice_one', 'bob_two'] }).markedId;
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers(markedId));
    expect(result).toMatchObject({ success: true, complete: true, memberCount: 3 });
    expect(usernames(result.members)).toEqual(['alice_one', 'bob_two', undefined]);
  });

  it('goes to a session that is a member when the first one it tried is not', async () => {
    let ids: string[] = [];
    h = scriptedHarness({
      sessions: 2,
      users: ['alice_one'],
      before: (t) => {
        ids = [1, 2, 3].map(() => t.addChannel({ members: ['alice_one', 's1'] }).markedId);
      },
    });
    await h.ready();
    const report = await h.settle(h.manager.bulkScrapeGroups(ids));
    for (const r of report.results.values())
      expect(r).toMatchObject({ success: true, complete: true, memberCount: 2, sessionUsed: 's1' });
    // s0 was tried, looked in its dialogs once, and handed the groups on.
    expect(h.telegram.requestsOf('s0', 'messages.GetDialogs')).toHaveLength(1);
    expect(h.telegram.requestsOf('s0', 'channels.GetParticipants')).toHaveLength(0);
    expect([...report.results.values()].some((r) => r.attempts > 1)).toBe(true);
  });

  it('on a session that is not a member, fails with CHANNEL_PRIVATE after looking in its dialogs once', async () => {
    let markedId = '';
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one'],
      before: (t) => {
        markedId = t.addChannel({ members: ['alice_one'] }).markedId;
      },
    });
    await h.ready();
    const report = await h.settle(h.manager.bulkScrapeGroups([markedId, markedId.replace(/0$/, '1')]));
    for (const r of report.results.values())
      expect(r).toMatchObject({ success: false, error: 'CHANNEL_PRIVATE', complete: false });
    expect(h.telegram.requestsOf('s0', 'messages.GetDialogs')).toHaveLength(1);
    expect(h.telegram.requestsOf('s0', 'channels.GetParticipants')).toHaveLength(0);
    // Nothing was asked of the group itself: no request named it with a guessed access hash.
    expect(h.telegram.requests.filter((r) => r.request instanceof Api.channels.GetParticipants)).toHaveLength(
      0,
    );
  });
});
