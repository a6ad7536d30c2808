import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

describe('a session declared dead in the middle of a scrape', () => {
  it('ends the run at once, and another session resumes from the page it reached', async () => {
    h = scriptedHarness({
      sessions: 2,
      before: (t) => {
        t.addChannel({ username: 'big_group', generatedMembers: 1000 });
      },
    });
    await h.ready();
    // The third page is never answered; meanwhile its session's connection breaks, and the
    // reconnect finds the session revoked. GramJS would leave that page waiting for ever.
    let pagesSeen = 0;
    let hungOn: string | undefined;
    h.telegram.onRequest = ({ session, request }) => {
      if (!(request instanceof Api.channels.GetParticipants) || ++pagesSeen !== 3) return undefined;
      hungOn = session;
      h!.telegram.refuseConnections(session, 'SESSION_REVOKED');
      h!.telegram.drop(session);
      return new Promise<void>(() => {});
    };
    const result = await h.settle(h.manager.joinAndScrapeGroup('big_group', { maxMembers: 2000 }));
    const pages = h.telegram.requests
      .filter((r) => r.request instanceof Api.channels.GetParticipants)
      .map((r) => ({ session: r.session, offset: (r.request as Api.channels.GetParticipants).offset }));
    expect(hungOn).toBeDefined();
    expect(h.manager.getSessionInfo(hungOn!).connection).toBe('dead');
    expect(pages.map((p) => p.offset)).toEqual([0, 200, 400, 400, 600, 800, 1000]);
    expect(pages.slice(3).every((p) => p.session !== hungOn)).toBe(true);
    expect(result).toMatchObject({ success: true, complete: true, memberCount: 1001, attempts: 2 });
    expect(result.sessionUsed).not.toBe(hungOn);
    // Within the reconnect's backoff, not the scrape's 30-minute attempt timeout.
    expect(h.clock.now()).toBeLessThan(60_000);
  });
});
