// In a basic group each member account numbers its copy of a message itself, so a message id
// from one session means nothing on another. A monitored basic group keeps being delivered
// across failovers, without duplicates or losses, whichever session's ids run ahead.
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { flush, loseWatcher, watch } from './monitoring.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

interface Setup {
  h: ScriptedHarness;
  group: number;
  chat: string;
  got: Awaited<ReturnType<typeof watch>>;
  watcher: string;
  other: string;
}

async function basicGroup(): Promise<Setup> {
  let group = 0;
  let chat = '';
  const harness = scriptedHarness({
    sessions: 2,
    users: ['alice_one'],
    before: (t) => {
      const g = t.addBasicGroup({ title: 'family', members: ['s0', 's1', 'alice_one'] });
      group = g.id;
      chat = g.markedId;
    },
  });
  h = harness;
  await harness.ready();
  await harness.clock.advance(5000);
  const got = await watch(harness, chat);
  const watcher = harness.manager.getMonitoringAssignments().get(chat)!;
  return { h: harness, group, chat, got, watcher, other: watcher === 's0' ? 's1' : 's0' };
}

/** Move `session`'s own message numbering ahead: messages in a group only it (and alice) is in. */
function advanceIds(h: ScriptedHarness, session: string, count: number): void {
  const side = h.telegram.addBasicGroup({ members: [session, 'alice_one'] });
  for (let i = 0; i < count; i++) h.telegram.pushNewMessage({ chat: side.id, text: `side ${i}`, to: [] });
}

/** Post in the group a second later, pushed live to the sessions watching. */
async function post(s: Setup, text: string): Promise<Map<string, number>> {
  await s.h.clock.advance(1000);
  const { idBySession } = s.h.telegram.pushNewMessage({ chat: s.group, text, from: 'alice_one' });
  await flush(s.h);
  return idBySession;
}

/**
 * A second later the session watching the chat is lost, and `texts` are posted before another
 * session takes over (pushed to no session). Returns the lost session.
 */
async function postWhileNobodyWatches(s: Setup, texts: readonly string[]): Promise<string> {
  await s.h.clock.advance(1000);
  const lost = await loseWatcher(s.h, s.chat);
  for (const text of texts) s.h.telegram.pushNewMessage({ chat: s.group, text, from: 'alice_one', to: [] });
  return lost;
}

describe('a monitored basic group after a failover', () => {
  it('is delivered without duplicates when the new session’s ids run ahead', async () => {
    const s = await basicGroup();
    advanceIds(s.h, s.other, 5);
    const one = await post(s, 'one');
    const lost = await postWhileNobodyWatches(s, ['two', 'three']);
    await flush(s.h, 2000);
    expect(s.h.manager.getMonitoringAssignments().get(s.chat)).toBe(s.other);
    const four = await post(s, 'four');
    expect(s.got.map((m) => [m.text, m.session, m.backfilled])).toEqual([
      ['one', lost, false],
      ['two', s.other, true],
      ['three', s.other, true],
      ['four', s.other, false],
    ]);
    // Each id is the one the delivering session sees: the two numberings differ.
    const ids = new Map(s.got.map((m) => [m.text, m.id]));
    expect(ids.get('one')).toBe(one.get(lost));
    expect(ids.get('four')).toBe(four.get(s.other));
    expect(one.get(s.other)).toBeGreaterThan(one.get(lost)!);
  });

  it('is delivered without losses when the new session’s ids run behind', async () => {
    const s = await basicGroup();
    advanceIds(s.h, s.watcher, 5);
    await post(s, 'one');
    await postWhileNobodyWatches(s, ['two', 'three']);
    await flush(s.h, 2000);
    await post(s, 'four');
    expect(s.got.map((m) => [m.text, m.backfilled])).toEqual([
      ['one', false],
      ['two', true],
      ['three', true],
      ['four', false],
    ]);
  });

  it('fails back to the first session, which back-fills from its own ids and skips what the other delivered', async () => {
    const s = await basicGroup();
    advanceIds(s.h, s.other, 3);
    await post(s, 'one');
    const first = await postWhileNobodyWatches(s, ['two']);
    await flush(s.h, 2000);
    await post(s, 'three');
    // The first session comes back and the second is lost.
    s.h.telegram.unreachable.delete(first);
    await flush(s.h, 60_000);
    expect(s.h.manager.getSessionInfo(first).connection).toBe('connected');
    await postWhileNobodyWatches(s, ['four']);
    await flush(s.h, 2000);
    expect(s.h.manager.getMonitoringAssignments().get(s.chat)).toBe(first);
    await post(s, 'five');
    expect(s.got.map((m) => [m.text, m.session])).toEqual([
      ['one', first],
      ['two', s.other],
      ['three', s.other],
      ['four', first],
      ['five', first],
    ]);
  });

  it('tells apart messages of the same second: only the ones not delivered yet are back-filled', async () => {
    const s = await basicGroup();
    advanceIds(s.h, s.other, 2);
    await s.h.clock.advance(1000);
    s.h.telegram.pushNewMessage({ chat: s.group, text: 'same second', from: 'alice_one' });
    await flush(s.h);
    await loseWatcher(s.h, s.chat);
    // Same second, same text and sender as the delivered one, then a different one.
    s.h.telegram.pushNewMessage({ chat: s.group, text: 'same second', from: 'alice_one', to: [] });
    s.h.telegram.pushNewMessage({ chat: s.group, text: 'also this second', from: 'alice_one', to: [] });
    await flush(s.h, 2000);
    expect(s.got.map((m) => [m.text, m.backfilled])).toEqual([
      ['same second', false],
      ['same second', true],
      ['also this second', true],
    ]);
  });

  it('is delivered live from the short form Telegram uses for basic groups (updateShortChatMessage)', async () => {
    const s = await basicGroup();
    await s.h.clock.advance(1000);
    const { idBySession } = s.h.telegram.pushNewMessage({
      chat: s.group,
      text: 'short',
      from: 'alice_one',
      to: [],
    });
    const alice = s.h.telegram.user('alice_one')!.id;
    s.h.telegram.pushUpdate(
      s.watcher,
      new Api.UpdateShortChatMessage({
        id: idBySession.get(s.watcher)!,
        fromId: returnBigInt(alice),
        chatId: returnBigInt(s.group),
        message: 'short',
        pts: idBySession.get(s.watcher)!,
        ptsCount: 1,
        date: Math.floor(s.h.clock.now() / 1000),
      }),
    );
    await flush(s.h);
    expect(s.got.map((m) => [m.text, m.senderId, m.backfilled])).toEqual([['short', String(alice), false]]);
  });
});
