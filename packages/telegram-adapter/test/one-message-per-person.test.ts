import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const PHONE = '+15550003333';

describe('one person listed more than once', () => {
  it('by username, id and phone gets one message; the other items say whose duplicate they are', async () => {
    h = scriptedHarness({ sessions: 1, before: (t) => t.addUser({ username: 'alice_one', phone: PHONE }) });
    await h.ready();
    const alice = h.telegram.user('alice_one')!;
    // The session has met Alice before (an earlier send), so her id is one it can address.
    await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'welcome'));
    const before = h.telegram.deliveries.length;
    const list = ['alice_one', String(alice.id), PHONE];
    const report = await h.settle(h.manager.sendTextMessagesBulk(list, 'offer'));
    expect(h.telegram.deliveries.length - before).toBe(1);
    const sent = list.filter((r) => report.results.get(r)!.outcome === 'sent');
    expect(sent).toHaveLength(1);
    for (const r of list.filter((r) => r !== sent[0])) {
      expect(report.results.get(r)).toMatchObject({
        success: false,
        outcome: 'skipped',
        error: 'duplicate recipient',
        duplicateOf: sent[0],
      });
    }
    expect(report.summary).toMatchObject({ total: 3, sent: 1, skipped: 2, failed: 0 });
  });

  it('as @Name and name (another case) gets one message, and the copy names the item it repeats', async () => {
    h = scriptedHarness({ sessions: 2, users: ['alice_one'] });
    await h.ready();
    const report = await h.settle(
      h.manager.sendTextMessagesBulk(['@Alice_One', 'alice_one', 't.me/ALICE_ONE'], 'hi'),
    );
    expect(h.telegram.deliveries).toHaveLength(1);
    expect(report.results.get('@Alice_One')).toMatchObject({ outcome: 'sent' });
    for (const copy of ['alice_one', 't.me/ALICE_ONE'])
      expect(report.results.get(copy)).toMatchObject({ outcome: 'skipped', duplicateOf: '@Alice_One' });
  });

  it('by username and by phone, resolved on different sessions at the same time, still gets one message', async () => {
    const people = Array.from({ length: 8 }, (_, i) => ({
      username: `person_${i}x`,
      phone: `+1555000${7000 + i}`,
    }));
    h = scriptedHarness({
      sessions: 3,
      before: (t) => {
        for (const p of people) t.addUser(p);
      },
    });
    await h.ready();
    // 16 items, 8 people: each listed by username and again by phone.
    const list = people.flatMap((p) => [p.username, p.phone]);
    const report = await h.settle(h.manager.sendTextMessagesBulk(list, 'hi'));
    expect(report.summary).toMatchObject({ sent: 8, skipped: 8, failed: 0 });
    expect(new Set(h.telegram.deliveries.map((d) => d.session)).size).toBeGreaterThan(1);
    for (const p of people) {
      expect(h.telegram.deliveriesTo(`user:${h.telegram.user(p.username)!.id}`)).toHaveLength(1);
      const [a, b] = [report.results.get(p.username)!, report.results.get(p.phone)!];
      const [sent, copy] = a.outcome === 'sent' ? [a, b] : [b, a];
      expect(sent.outcome).toBe('sent');
      expect(copy).toMatchObject({ outcome: 'skipped', duplicateOf: sent.recipient });
    }
  });
});
