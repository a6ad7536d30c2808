import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const recipients = (n: number) => Array.from({ length: n }, (_, i) => `rate_user${i}`);

describe('fleet-wide send rate', () => {
  it('never starts more sends per second than fleetSendsPerSecond, however many sessions there are', async () => {
    h = scriptedHarness({ sessions: 20, users: recipients(60), delayMs: 0, fleetSendsPerSecond: 10 });
    await h.ready();
    const starts: number[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-assigned' && e.kind === 'sending') starts.push(e.at);
    });
    const { summary } = await h.settle(h.manager.sendTextMessagesBulk(recipients(60), 'hello'));
    expect(summary.sent).toBe(60);
    expect(h.telegram.deliveries).toHaveLength(60);
    // A sliding window: no one-second window, wherever it starts, holds more than 10 starts.
    for (const t of starts)
      expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(10);
    // …and the cap is used, not undershot: 60 sends take 5 s and a little.
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...starts)).toBeLessThan(6000);
  });

  it('defaults to 30 sends per second', async () => {
    h = scriptedHarness({ sessions: 50, users: recipients(90), delayMs: 0 });
    await h.ready();
    const starts: number[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-assigned' && e.kind === 'sending') starts.push(e.at);
    });
    const { summary } = await h.settle(h.manager.sendTextMessagesBulk(recipients(90), 'hello'));
    expect(summary.sent).toBe(90);
    expect(h.telegram.deliveries).toHaveLength(90);
    for (const t of starts)
      expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(30);
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(2000);
  });
});

describe('pacing', () => {
  it("shows in a session's info as the time it may send again", async () => {
    h = scriptedHarness({ sessions: 1, users: recipients(2), delayMs: 2000 });
    await h.ready();
    const name = h.manager.sessionNames()[0]!;
    expect(h.manager.getSessionInfo(name).pacedUntil).toBeUndefined();
    const paced: (number | undefined)[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-succeeded' && e.kind === 'sending')
        paced.push(h!.manager.getSessionInfo(name).pacedUntil);
    });
    const started: number[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-assigned' && e.kind === 'sending') started.push(e.at);
    });
    const { summary } = await h.settle(h.manager.sendTextMessagesBulk(recipients(2), 'hello'));
    expect(summary.sent).toBe(2);
    // Each send holds the next one back for delayMs from its start.
    expect(paced).toEqual(started.map((t) => t + 2000));
    await h.clock.advance(2000);
    expect(h.manager.getSessionInfo(name).pacedUntil).toBeUndefined();
  });
});
