import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { FaultContext } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const isSend = (ctx: FaultContext) => ctx.request instanceof Api.messages.SendMessage;

/** The first `count` sends of the whole fleet answer FLOOD_WAIT_`seconds`; later ones go through. */
function firstSendsFlood(count: number, seconds: number) {
  let seen = 0;
  return (ctx: FaultContext) =>
    isSend(ctx) && seen++ < count ? { rpc: `FLOOD_WAIT_${seconds}` } : undefined;
}

/** When each delivery happened, on the virtual clock. */
const deliveredAt = (h: ScriptedHarness) => h.telegram.deliveries.map((d) => d.at);

describe('flood waits reach the scheduler', () => {
  it("sets floodSleepThreshold to 0 on a client the caller built (GramJS's default is 60), so a flood wait is the pool's", async () => {
    h = scriptedHarness({ sessions: 1, users: ['alice_one'], unreachable: ['s0'] });
    const client = h.telegram.userBuiltClient('mine');
    expect(client.floodSleepThreshold).toBe(60);
    h.manager.addSession({ name: 'mine', client });
    expect(client.floodSleepThreshold).toBe(0);
    h.telegram.fault = firstSendsFlood(1, 30);
    const failures: (string | undefined)[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-failed') failures.push(e.code);
    });
    // GramJS sleeping 30 s itself would be real time: the test would time out.
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(report.results.get('alice_one')).toMatchObject({ success: true, sessionUsed: 'mine' });
    expect(failures).toEqual(['FLOOD_WAIT']);
    // The only session that can serve the item was backing off for exactly 30 s.
    expect(deliveredAt(h)[0]).toBeGreaterThanOrEqual(30_000);
  });

  it('moves an item whose flood wait is longer than its budget to another session', async () => {
    h = scriptedHarness({ sessions: 2, users: ['alice_one'] });
    await h.ready();
    h.telegram.fault = firstSendsFlood(1, 20 * 60);
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    const flooded = h.telegram.requests.find((r) => r.request instanceof Api.messages.SendMessage)!.session;
    expect(report.results.get('alice_one')).toMatchObject({ success: true });
    expect(report.results.get('alice_one')!.sessionUsed).not.toBe(flooded);
    expect(deliveredAt(h)[0]).toBeLessThan(1000);
    // The flooded session itself backs off for exactly the wait.
    const worker = h.manager.pool.snapshot().workers.find((w) => w.id === flooded)!;
    expect(worker).toMatchObject({ state: 'backoff', backoffUntil: 20 * 60_000 });
  });

  it("counts only the item's own waiting against its 15-minute budget, not other sessions' waits", async () => {
    h = scriptedHarness({ sessions: 3, users: ['alice_one'] });
    await h.ready();
    // Two sessions flood for 10 minutes each: 20 minutes of waits, none of them the item's.
    h.telegram.fault = firstSendsFlood(2, 10 * 60);
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(report.results.get('alice_one')).toMatchObject({ success: true, attempts: 3 });
    expect(deliveredAt(h)[0]).toBeLessThan(1000);
  });

  it('waits out a flood wait when every session is flooded, and fails once its own waiting would pass the budget', async () => {
    h = scriptedHarness({ sessions: 2, users: ['alice_one', 'bob_twooo'] });
    await h.ready();
    // Both sessions flood for 10 minutes: the item waits 10 minutes, within its 15.
    h.telegram.fault = firstSendsFlood(2, 10 * 60);
    const first = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(first.results.get('alice_one')).toMatchObject({ success: true });
    expect(deliveredAt(h)[0]).toBeGreaterThanOrEqual(10 * 60_000);
    expect(deliveredAt(h)[0]).toBeLessThan(10 * 60_000 + 1000);
    // Every send floods for 10 minutes: the item waits 10, then would wait 10 more (20 > 15).
    const start = h.clock.now();
    h.telegram.fault = firstSendsFlood(Number.POSITIVE_INFINITY, 10 * 60);
    const second = await h.settle(h.manager.sendTextMessagesBulk(['bob_twooo'], 'hi'));
    expect(second.results.get('bob_twooo')).toMatchObject({ success: false, error: 'FLOOD_WAIT' });
    const failedAfter = second.results.get('bob_twooo')!.timestamp - start;
    expect(failedAfter).toBeGreaterThanOrEqual(10 * 60_000);
    expect(failedAfter).toBeLessThan(10 * 60_000 + 1000);
  });
});
