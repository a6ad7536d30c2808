import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

describe('fleet-wide send rate', () => {
  it('never starts more sends per second than fleetSendsPerSecond, however many sessions there are', async () => {
    h = harness({ sessions: 20, delayMs: 0, fleetSendsPerSecond: 10 });
    const starts: number[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-assigned' && e.kind === 'sending') starts.push(e.at);
    });
    const recipients = Array.from({ length: 60 }, (_, i) => `rate_user${i}`);
    const { summary } = await h.settle(h.manager.sendTextMessagesBulk(recipients, 'hello'));
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
    h = harness({ sessions: 50, delayMs: 0 });
    const starts: number[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-assigned' && e.kind === 'sending') starts.push(e.at);
    });
    const recipients = Array.from({ length: 90 }, (_, i) => `rate_user${i}`);
    await h.settle(h.manager.sendTextMessagesBulk(recipients, 'hello'));
    for (const t of starts)
      expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(30);
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(2000);
  });
});
