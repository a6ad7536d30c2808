// Seed 002's test list (tests/test_manager_concurrency_controls.py), ported to the TelegramSessionManager API.
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../src/chatMonitor.js';
import { occupy } from './poolWork.js';
import { type ScriptedHarness, scriptedHarness, turnsUntil } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const groups = Array.from({ length: 12 }, (_, i) => ({ username: `group_number${i}` }));

/**
 * A connected fleet of real GramJS clients on the scripted Telegram, with 12 public groups of
 * 400 members each, every session among them.
 */
async function harness(options: Parameters<typeof scriptedHarness>[0] = {}): Promise<ScriptedHarness> {
  const sessions = options.sessions ?? 3;
  const names = typeof sessions === 'number' ? Array.from({ length: sessions }, (_, i) => `s${i}`) : sessions;
  const harness = scriptedHarness({
    users: ['alice_one', 'bob_twooo', 'carol_three', 'dave_fourr'],
    before: (telegram) => {
      for (const g of groups)
        telegram.addChannel({ ...g, members: names, generatedMembers: 400 - names.length });
    },
    ...options,
  });
  await harness.ready();
  return harness;
}

describe('seed 002: manager-level concurrency controls', () => {
  it('test_scrape_semaphore_initialization: no scrape is active and the limit is 5', async () => {
    h = await harness();
    expect(h.manager.getActiveScrapeCount()).toBe(0);
  });

  it('test_global_task_tracking_initialization: no task anywhere', async () => {
    h = await harness();
    expect(h.manager.getGlobalTaskCount()).toBe(0);
    for (const s of h.manager.sessionNames()) expect(h.manager.getGlobalTaskCount(s)).toBe(0);
  });

  it('test_operation_metrics_initialization: the four kinds, all at 0', async () => {
    h = await harness();
    expect(h.manager.getOperationMetrics()).toEqual({ scraping: 0, monitoring: 0, sending: 0, other: 0 });
    expect(h.manager.getOperationCount('monitoring')).toBe(0);
    expect(() => h!.manager.getOperationCount('mining' as never)).toThrow(/kind/);
  });

  it('test_register_and_unregister_task_globally: a monitored chat is one task on one session until stopped', async () => {
    h = await harness();
    const sub = h.manager.startMonitoring(['group_number0']).subscribe();
    await h.clock.advance(0);
    expect(h.manager.getOperationCount('monitoring')).toBe(1);
    expect(h.manager.getGlobalTaskCount()).toBe(1);
    const session = h.manager.getMonitoringAssignments().get('group_number0')!;
    expect(h.manager.getGlobalTaskCount(session)).toBe(1);
    await h.manager.stopMonitoring();
    expect(h.manager.getGlobalTaskCount()).toBe(0);
    expect(h.manager.getOperationCount('monitoring')).toBe(0);
    sub.unsubscribe();
  });

  it('test_increment_and_decrement_operation_metrics: sending counts up while a send runs, then down', async () => {
    h = await harness({ sessions: 1 });
    let seen = -1;
    h.telegram.onRequest = async ({ request }) => {
      if (request instanceof Api.messages.SendMessage) {
        seen = h!.manager.getOperationCount('sending');
        await sleep(h!.clock, 100);
      }
    };
    await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'x'));
    expect(seen).toBe(1);
    expect(h.manager.getOperationCount('sending')).toBe(0);
  });

  it('test_cleanup_session_tasks: cancels every task of the session within 5 s', async () => {
    h = await harness();
    const held = [occupy(h.manager, 's0'), occupy(h.manager, 's0', 'scraping'), occupy(h.manager, 's1')];
    await h.clock.advance(0);
    expect(h.manager.getGlobalTaskCount('s0')).toBe(2);
    const started = h.clock.now();
    const cancelled = await h.settle(h.manager.cleanupSessionTasks('s0'));
    expect(cancelled).toBe(2);
    expect(h.clock.now() - started).toBeLessThanOrEqual(5000);
    expect(h.manager.getGlobalTaskCount('s0')).toBe(0);
    expect(h.manager.getGlobalTaskCount('s1')).toBe(1);
    await expect(held[0]!.done).rejects.toThrow(/cancelled/);
    held[2]!.release();
  });

  it('test_scrape_semaphore_limits_concurrent_operations: never more than 5 scrapes at once', async () => {
    h = await harness({ sessions: 4, sessionCapacity: 4 });
    let max = 0;
    h.telegram.onRequest = async ({ request }) => {
      if (request instanceof Api.channels.GetParticipants) {
        max = Math.max(max, h!.manager.getActiveScrapeCount());
        await sleep(h!.clock, 500);
      }
    };
    const report = await h.settle(h.manager.bulkScrapeGroups(groups.map((g) => g.username)));
    expect(report.summary.succeeded).toBe(12);
    expect(max).toBe(5);
    expect(h.manager.getActiveScrapeCount()).toBe(0);
  });

  it('test_global_task_tracking_multiple_sessions: per-session counts add up to the global count', async () => {
    h = await harness();
    const chats = groups.slice(0, 6).map((g) => g.username);
    const sub = h.manager.startMonitoring(chats).subscribe();
    await h.clock.advance(0);
    const perSession = h.manager.sessionNames().map((s) => h!.manager.getGlobalTaskCount(s));
    expect(perSession.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.manager.getGlobalTaskCount()).toBe(6);
    expect(perSession).toEqual([2, 2, 2]);
    await h.manager.stopMonitoring();
    sub.unsubscribe();
  });
});

describe('adding and removing sessions while work runs', () => {
  it('removeSession lets running work finish, then the session gets nothing more', async () => {
    h = await harness({ sessions: 2 });
    const held = occupy(h.manager, 's0');
    await h.clock.advance(0);
    const removal = h.manager.removeSession('s0');
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo'], 'x'));
    expect(report.summary.bySession).toEqual({ s1: { sent: 2, failed: 0 } });
    held.release();
    await h.settle(removal);
    await expect(held.done).resolves.toBeUndefined();
    expect(h.manager.sessionNames()).toEqual(['s1']);
    h.manager.addSession({ name: 's2', client: h.telegram.client('s2') });
    // GramJS's connect() of the new client takes a few turns; until then it gets no work.
    await turnsUntil(() => h!.manager.getSessionInfo('s2').connection === 'connected');
    const more = await h.settle(h.manager.sendTextMessagesBulk(['carol_three', 'dave_fourr'], 'x'));
    expect(Object.keys(more.summary.bySession).sort()).toEqual(['s1', 's2']);
  });
});
