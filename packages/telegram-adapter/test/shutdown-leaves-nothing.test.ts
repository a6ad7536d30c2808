import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { ManagerShutDownError } from '../src/adapterErrors.js';
import { sleep } from '../src/chatMonitor.js';
import { scriptedHarness, turnsUntil } from './scriptedHarness.js';

const count = (list: string[]) => list.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap').length;

describe('shutdown', () => {
  it('stops monitoring, cancels queued and running work, clears every timer and leaves no handle', async () => {
    const before = count(process.getActiveResourcesInfo());
    const recipients = Array.from({ length: 20 }, (_, i) => `user_number${i}`);
    const h = scriptedHarness({
      sessions: 2,
      users: ['alice_one', ...recipients],
      before: (telegram) =>
        telegram.addChannel({ username: 'watched_group', members: ['s0', 's1'], generatedMembers: 998 }),
    });
    await h.ready();
    h.telegram.onRequest = async ({ request }) => {
      if (request instanceof Api.channels.GetParticipants || request instanceof Api.messages.SendMessage)
        await sleep(h.clock, 10_000);
    };
    let completed = false;
    h.manager.startMonitoring(['watched_group']).subscribe({ complete: () => (completed = true) });
    const send = h.manager.sendTextMessagesBulk(recipients, 'x', { delayMs: 5000 });
    const scrape = h.manager.scrapeGroupMembers('watched_group').catch((e: unknown) => e);
    h.telegram.loseNetwork('s1');
    await turnsUntil(() => h.manager.getSessionInfo('s1').connection === 'reconnecting');
    await h.clock.advance(1000);
    expect(h.manager.getGlobalTaskCount()).toBeGreaterThan(0);
    await h.manager.shutdown();
    const report = await send.then(
      (r) => r,
      (e: unknown) => e,
    );
    await scrape;
    expect(completed).toBe(true);
    expect(h.manager.getOperationMetrics()).toEqual({ scraping: 0, monitoring: 0, sending: 0, other: 0 });
    expect(h.manager.getGlobalTaskCount()).toBe(0);
    expect(h.manager.pool.snapshot()).toMatchObject({ inFlight: 0, queued: 0, closed: true });
    // The manager connected the clients, so it disconnects them.
    for (const name of ['s0', 's1']) expect(h.telegram.client(name).connected).toBe(false);
    // Reconnect timers, capability holds and pacing timers are all gone; the only timers left
    // are this test's fake-latency sleeps, which end by themselves and start nothing new.
    await h.clock.advance(10_000);
    expect(h.clock.pendingTimers()).toBe(0);
    expect(report).toBeDefined();
    expect(count(process.getActiveResourcesInfo())).toBeLessThanOrEqual(before);
    expect(() => h.manager.startMonitoring(['watched_group'])).toThrow(ManagerShutDownError);
    await expect(h.manager.sendTextMessagesBulk(['alice_one'], 'x')).rejects.toThrow(ManagerShutDownError);
    // Idempotent.
    await h.manager.shutdown();
  });
});
