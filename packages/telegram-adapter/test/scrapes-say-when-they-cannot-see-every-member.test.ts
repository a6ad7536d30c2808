import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { ScriptedTelegram } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

/** 60 members with Latin names, then 20 whose names only Cyrillic letters can find. */
function twoAlphabets(t: ScriptedTelegram, username: string): void {
  const latin = Array.from({ length: 60 }, (_, i) => t.addUser({ username: `latin_user_${i}` }).id);
  const cyrillic = Array.from({ length: 20 }, () => t.addUser({ firstName: 'Жанна' }).id);
  t.addChannel({ username, members: [...latin, ...cyrillic] });
}

describe('a scrape that cannot see every member says so', () => {
  it('Telegram lists only part of a big group (the visible-member cap): member-cap, with the real count', async () => {
    h = scriptedHarness({
      sessions: 1,
      before: (t) => {
        t.participantsCap = 50;
        t.addChannel({ username: 'big_group', generatedMembers: 120 });
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers('big_group'));
    expect(result).toMatchObject({
      success: true,
      complete: false,
      incompleteReason: 'member-cap',
      memberCount: 120,
    });
    expect(result.members).toHaveLength(50);
  });

  it('a letter search that finds names in one alphabet only: search-incomplete', async () => {
    h = scriptedHarness({
      sessions: 1,
      before: (t) => {
        t.participantsCap = 50;
        twoAlphabets(t, 'mixed_group');
      },
    });
    await h.ready();
    const result = await h.settle(h.manager.scrapeGroupMembers('mixed_group', { deepSearch: true }));
    expect(result).toMatchObject({
      success: true,
      complete: false,
      incompleteReason: 'search-incomplete',
      memberCount: 80,
    });
    // a–z and 0–9 found every Latin name, past the cap; no Cyrillic one.
    expect(result.members).toHaveLength(60);
    expect(result.members.every((m) => m.username?.startsWith('latin_user_'))).toBe(true);
  });

  it('a hidden member list shows a member only the admins: hidden-members; an admin sees everyone', async () => {
    const quietGroup = (admin: string) =>
      scriptedHarness({
        sessions: 1,
        users: ['alice_one', 'bob_two'],
        before: (t) => {
          t.addChannel({
            username: 'quiet_group',
            members: ['s0', 'alice_one', 'bob_two'],
            admins: [admin],
            hiddenMembers: true,
          });
        },
      });
    h = quietGroup('alice_one');
    await h.ready();
    const asMember = await h.settle(h.manager.scrapeGroupMembers('quiet_group'));
    expect(asMember).toMatchObject({
      success: true,
      complete: false,
      incompleteReason: 'hidden-members',
      memberCount: 3,
    });
    expect(asMember.members.map((m) => m.username)).toEqual(['alice_one']);
    await h.manager.shutdown();
    h = quietGroup('s0');
    await h.ready();
    const asAdmin = await h.settle(h.manager.scrapeGroupMembers('quiet_group'));
    expect(asAdmin).toMatchObject({ success: true, complete: true, memberCount: 3 });
    expect(asAdmin.members).toHaveLength(3);
  });

  it('a group whose every member was listed is complete, and the bulk summary counts the incomplete ones', async () => {
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one', 'bob_two'],
      before: (t) => {
        t.participantsCap = 50;
        t.addChannel({ username: 'big_group', generatedMembers: 120 });
        t.addChannel({ username: 'small_group', members: ['alice_one', 'bob_two'] });
        t.addChannel({
          username: 'quiet_group',
          members: ['alice_one', 'bob_two'],
          admins: ['alice_one'],
          hiddenMembers: true,
        });
      },
    });
    await h.ready();
    const report = await h.settle(h.manager.bulkScrapeGroups(['big_group', 'small_group', 'quiet_group']));
    expect(report.results.get('small_group')).toMatchObject({ complete: true, memberCount: 2 });
    expect(report.results.get('small_group')).not.toHaveProperty('incompleteReason');
    expect(report.results.get('big_group')).toMatchObject({
      complete: false,
      incompleteReason: 'member-cap',
    });
    expect(report.results.get('quiet_group')).toMatchObject({
      complete: false,
      incompleteReason: 'hidden-members',
      memberCount: 2,
    });
    expect(report.summary).toMatchObject({ total: 3, succeeded: 3, failed: 0, incomplete: 2 });
  });
});
