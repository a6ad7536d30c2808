import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const names = (members: readonly { username?: string; firstName?: string }[]) =>
  members.map((m) => m.username ?? m.firstName).sort();

describe('a scrape reports the participants, not every user Telegram attaches to a page', () => {
  it('leaves out the promoter of a supergroup’s admins, who is listed with every page but is no member', async () => {
    let promoterId = 0;
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one', 'bob_two', 'carol_three'],
      before: (t) => {
        promoterId = t.addChannel({
          username: 'the_group',
          members: ['s0', 'alice_one', 'bob_two', 'carol_three'],
          admins: ['alice_one', 'bob_two'],
        }).promoterId;
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers('the_group'));
    expect(names(result.members)).toEqual(['alice_one', 'bob_two', 'carol_three', 's0']);
    expect(result.members.map((m) => m.id)).not.toContain(String(promoterId));
    expect(result).toMatchObject({ complete: true, memberCount: 4 });
  });

  it('does not let the promoter take a place under maxMembers', async () => {
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one', 'bob_two'],
      before: (t) => {
        t.addChannel({
          username: 'the_group',
          members: ['s0', 'alice_one', 'bob_two'],
          admins: ['alice_one'],
        });
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers('the_group', { maxMembers: 2 }));
    expect(result.members).toHaveLength(2);
    expect(result.members.every((m) => m.firstName !== 'Promoter')).toBe(true);
    expect(result).toMatchObject({ complete: false, incompleteReason: 'max-members', memberCount: 3 });
  });

  it('leaves out the inviter of a basic group’s members who has since left the group', async () => {
    let markedId = '';
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one', 'bob_two', 'gone_inviter'],
      before: (t) => {
        markedId = t.addBasicGroup({
          members: ['s0', 'alice_one', 'bob_two'],
          inviter: 'gone_inviter',
        }).markedId;
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers(markedId));
    expect(names(result.members)).toEqual(['alice_one', 'bob_two', 's0']);
    expect(result).toMatchObject({ complete: true, memberCount: 3 });
  });
});
