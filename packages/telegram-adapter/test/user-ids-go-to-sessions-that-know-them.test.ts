import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

/** A public group of `n` members without usernames: they can be reached by id only. */
function groupOfStrangers(n: number) {
  let ids: number[] = [];
  return {
    before: (t: ScriptedHarness['telegram']) => {
      ids = Array.from({ length: n }, (_, i) => t.addUser({ firstName: `Member ${i}` }).id);
      t.addChannel({ username: 'open_club', members: ids });
    },
    ids: () => ids,
  };
}

/** Session `name` lists the group's members through its own GramJS client (as a scrape does). */
async function scrapeOn(h: ScriptedHarness, name: string): Promise<void> {
  const participants = await h.telegram.client(name).getParticipants('open_club', {});
  expect(participants.length).toBeGreaterThan(0);
}

describe('a user id learnt by one session', () => {
  it('is sent from a session that can address it, never reported PEER_ID_INVALID while one can', async () => {
    const group = groupOfStrangers(20);
    h = scriptedHarness({ sessions: 3, before: group.before });
    await h.ready();
    await scrapeOn(h, 's1');
    const ids = group.ids().map(String);
    const start = h.telegram.requests.length;
    const report = await h.settle(h.manager.sendTextMessagesBulk(ids, 'hi'));
    expect(report.summary).toMatchObject({ sent: 20, failed: 0 });
    expect(report.summary.bySession).toEqual({ s1: { sent: 20, failed: 0 } });
    for (const id of ids) expect(h.telegram.deliveriesTo(`user:${id}`)).toHaveLength(1);
    // Nobody tried them where the access hash is unknown.
    const elsewhere = h.telegram.requests
      .slice(start)
      .filter(
        (r) =>
          r.session !== 's1' &&
          (r.request instanceof Api.messages.SendMessage || r.request instanceof Api.users.GetUsers),
      );
    expect(elsewhere).toEqual([]);
  });

  it('goes to any of the sessions that know it', async () => {
    const group = groupOfStrangers(12);
    h = scriptedHarness({ sessions: 3, before: group.before });
    await h.ready();
    await scrapeOn(h, 's0');
    await scrapeOn(h, 's2');
    const report = await h.settle(h.manager.sendTextMessagesBulk(group.ids().map(String), 'hi'));
    expect(report.summary).toMatchObject({ sent: 12, failed: 0 });
    expect(Object.keys(report.summary.bySession).sort()).toEqual(['s0', 's2']);
  });

  it('that no session knows is PEER_ID_INVALID, as Telegram says', async () => {
    const group = groupOfStrangers(1);
    h = scriptedHarness({ sessions: 2, before: group.before });
    await h.ready();
    const id = String(group.ids()[0]);
    const report = await h.settle(h.manager.sendTextMessagesBulk([id], 'hi'));
    expect(report.results.get(id)).toMatchObject({ success: false, error: 'PEER_ID_INVALID' });
    expect(h.telegram.deliveries).toEqual([]);
  });
});

describe('a user id whose only sessions are gone', () => {
  it('fails with PEER_ID_INVALID instead of waiting for ever when every session that knew it dies', async () => {
    const group = groupOfStrangers(10);
    h = scriptedHarness({ sessions: 2, before: group.before });
    await h.ready();
    await scrapeOn(h, 's1');
    // s1's sends take a while; meanwhile its account is revoked.
    h.telegram.onRequest = (ctx) =>
      ctx.request instanceof Api.messages.SendMessage
        ? new Promise<void>((resolve) => h!.clock.setTimeout(resolve, 5000))
        : undefined;
    const op = h.manager.sendTextMessagesBulk(group.ids().map(String), 'hi');
    await h.clock.advance(1000);
    h.telegram.kill('s1', 'SESSION_REVOKED');
    const report = await h.settle(op);
    expect(h.manager.getSessionInfo('s1').connection).toBe('dead');
    expect(report.summary).toMatchObject({ sent: 0, failed: 10 });
    expect(report.summary.byError).toEqual({ PEER_ID_INVALID: 10 });
    // s0 never tried them: it cannot address them.
    expect(h.telegram.requestsOf('s0', 'messages.SendMessage')).toEqual([]);
  });
});
