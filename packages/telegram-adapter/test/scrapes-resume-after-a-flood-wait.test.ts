import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { FaultContext } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

interface Page {
  readonly session: string;
  readonly q: string;
  readonly offset: number;
}

/** Every channels.GetParticipants that reached Telegram: who asked, for which letters, from where. */
function pages(h: ScriptedHarness): Page[] {
  return h.telegram.requests
    .filter((r) => r.request instanceof Api.channels.GetParticipants)
    .map((r) => {
      const req = r.request as Api.channels.GetParticipants;
      const q = req.filter instanceof Api.ChannelParticipantsSearch ? req.filter.q : '?';
      return { session: r.session, q, offset: req.offset };
    });
}

/** The `n`th GetParticipants of the whole fleet answers FLOOD_WAIT_`seconds`. */
function floodOnPage(n: number, seconds: number) {
  let seen = 0;
  return (ctx: FaultContext) =>
    ctx.request instanceof Api.channels.GetParticipants && ++seen === n
      ? { rpc: `FLOOD_WAIT_${seconds}` }
      : undefined;
}

const quotaUsed = (h: ScriptedHarness, sessions: readonly string[], quota: number) =>
  sessions.reduce((n, s) => n + quota - h!.manager.getSessionInfo(s).scrapeQuotaLeft, 0);

const count = (h: ScriptedHarness, className: string) =>
  h.telegram.requests.filter((r) => r.request.className === className).length;

describe('a flood wait in the middle of a scrape', () => {
  it('resumes on another session from the page it reached: no page twice, one quota unit, one join', async () => {
    h = scriptedHarness({
      sessions: 2,
      dailyScrapeQuota: 5,
      before: (t) => {
        t.addChannel({ username: 'big_group', generatedMembers: 1000 });
      },
    });
    await h.ready();
    h.telegram.fault = floodOnPage(3, 30 * 60);
    const result = await h.settle(h.manager.joinAndScrapeGroup('big_group', { maxMembers: 2000 }));
    const seen = pages(h);
    expect(seen.map((p) => p.offset)).toEqual([0, 200, 400, 400, 600, 800, 1000]);
    // Pages 1–3 on the session that joined; the flood wait moved the rest to the other one.
    const [first, second] = [seen[0]!.session, seen[3]!.session];
    expect(second).not.toBe(first);
    expect(seen.slice(0, 3).every((p) => p.session === first)).toBe(true);
    expect(seen.slice(3).every((p) => p.session === second)).toBe(true);
    expect(count(h, 'channels.JoinChannel')).toBe(1);
    expect(h.telegram.requestsOf(second, 'channels.JoinChannel')).toHaveLength(0);
    expect(quotaUsed(h, ['s0', 's1'], 5)).toBe(1);
    // 1000 generated members and the account that joined.
    expect(result).toMatchObject({ success: true, complete: true, memberCount: 1001, attempts: 2 });
    expect(new Set(result.members.map((m) => m.id)).size).toBe(1001);
    expect(result.sessionUsed).toBe(second);
  });

  it('of an invite link, resumes on another member session without importing the invite again', async () => {
    h = scriptedHarness({
      sessions: 2,
      dailyScrapeQuota: 5,
      before: (t) => {
        t.addChannel({ inviteHash: 'PrivateHash1', members: ['s0', 's1'], generatedMembers: 500 });
      },
    });
    await h.ready();
    h.telegram.fault = floodOnPage(2, 30 * 60);
    const result = await h.settle(h.manager.joinAndScrapeGroup('t.me/+PrivateHash1'));
    expect(pages(h).map((p) => p.offset)).toEqual([0, 200, 200, 400]);
    expect(count(h, 'messages.ImportChatInvite')).toBe(1);
    expect(quotaUsed(h, ['s0', 's1'], 5)).toBe(1);
    expect(result).toMatchObject({ success: true, complete: true, memberCount: 502, attempts: 2 });
    expect(result.members).toHaveLength(502);
  });

  it('keeps its place in a letter search: the flooded letter and offset are asked again, nothing before them', async () => {
    const setup = (flood: boolean) =>
      scriptedHarness({
        sessions: 1,
        before: (t) => {
          // 100 listed per filter: the letters must find the rest.
          t.participantsCap = 100;
          t.addChannel({ username: 'big_group', generatedMembers: 300 });
          if (flood) t.fault = floodOnPage(6, 45);
        },
      });
    const scrape = async (harness: ScriptedHarness) => {
      await harness.ready();
      return harness.settle(harness.manager.scrapeGroupMembers('big_group', { deepSearch: true }));
    };
    h = setup(false);
    const uninterrupted = await scrape(h);
    const cleanPages = pages(h).map((p) => `${p.q}@${p.offset}`);
    await h.manager.shutdown();
    h = setup(true);
    const result = await scrape(h);
    const seen = pages(h).map((p) => `${p.q}@${p.offset}`);
    const flooded = seen[5]!;
    expect(flooded).not.toMatch(/^@/);
    // The retry asks for exactly the flooded page; otherwise the same pages as without the flood wait.
    expect(seen[6]).toBe(flooded);
    expect([...seen.slice(0, 6), ...seen.slice(7)]).toEqual(cleanPages);
    // The one session waited out the flood wait, then carried on.
    const at = h.telegram.requests
      .filter((r) => r.request instanceof Api.channels.GetParticipants)
      .map((r) => r.at);
    expect(at[6]! - at[5]!).toBeGreaterThanOrEqual(45_000);
    expect(result).toMatchObject({ success: true, memberCount: 300, attempts: 2 });
    expect(result.members.map((m) => m.id).sort()).toEqual(uninterrupted.members.map((m) => m.id).sort());
    expect(result.members.length).toBeGreaterThan(100);
  });
});
