import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { ManagerShutDownError } from '../src/adapterErrors.js';
import { sleep } from '../src/chatMonitor.js';
import { harness } from './harness.js';

const count = (list: string[]) => list.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap').length;

describe('shutdown', () => {
  it('stops monitoring, cancels queued and running work, clears every timer and leaves no handle', async () => {
    const before = count(process.getActiveResourcesInfo());
    const h = harness({ sessions: 2, groups: [{ id: 41, username: 'watched_group', members: 1000 }] });
    h.telegram.onRequest = async (_s, r) => {
      if (r instanceof Api.channels.GetParticipants || r instanceof Api.messages.SendMessage)
        await sleep(h.clock, 10_000);
    };
    let completed = false;
    h.manager.startMonitoring(['watched_group']).subscribe({ complete: () => (completed = true) });
    const send = h.manager.sendTextMessagesBulk(
      Array.from({ length: 20 }, (_, i) => `user_number${i}`),
      'x',
      { delayMs: 5000 },
    );
    const scrape = h.manager.scrapeGroupMembers('watched_group').catch((e: unknown) => e);
    h.telegram.offline.add('s1');
    h.manager.reportDisconnected('s1');
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
