import { describe, expect, it } from 'vitest';
import { virtualPool } from './helpers.js';

describe('pacing', () => {
  it('a paced lane still starts when due after an earlier wake-up for another lane ran first', async () => {
    const { clock, pool } = virtualPool<null>();
    pool.addWorker({ id: 'w1', resource: null, capacity: 2, capabilities: ['x'] });
    pool.addWorker({ id: 'w2', resource: null, capacity: 2, capabilities: ['y'] });
    const starts: [string, number][] = [];
    const task = (name: string, cap: string, intervalMs: number) =>
      pool.submit({
        requires: [cap],
        pace: { key: cap, intervalMs },
        run: () => {
          starts.push([name, clock.now()]);
        },
      });
    // P2 waits for w1's pace (t = 100); Q2 for w2's (t = 30), whose wake-up comes first.
    const all = [task('P1', 'x', 100), task('P2', 'x', 100), task('Q1', 'y', 30), task('Q2', 'y', 30)];
    await clock.advance(200);
    expect(starts).toEqual([
      ['P1', 0],
      ['Q1', 0],
      ['Q2', 30],
      ['P2', 100],
    ]);
    await Promise.all(all);
    await pool.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("a worker's snapshot says until when each pace key holds its next task back", async () => {
    const { clock, pool } = virtualPool<null>();
    pool.addWorker({ id: 'w1', resource: null, capacity: 2 });
    expect(pool.workerSnapshot('w1')?.pacedUntil).toBeUndefined();
    expect(pool.workerSnapshot('nobody')).toBeUndefined();
    const sends = [0, 1].map(() => pool.submit({ pace: { key: 'send', intervalMs: 100 }, run: () => {} }));
    const other = pool.submit({ kind: 'scrape', pace: { intervalMs: 40 }, run: () => {} });
    await clock.advance(0);
    expect(pool.workerSnapshot('w1')?.pacedUntil).toEqual({ send: 100, scrape: 40 });
    await clock.advance(50);
    // The scrape's interval has run out; the second send is still held.
    expect(pool.workerSnapshot('w1')?.pacedUntil).toEqual({ send: 100 });
    expect(pool.snapshot().workers[0]?.pacedUntil).toEqual({ send: 100 });
    await clock.advance(50);
    // The second send started at 100: the next may start at 200.
    expect(pool.workerSnapshot('w1')?.pacedUntil).toEqual({ send: 200 });
    await clock.advance(100);
    expect(pool.workerSnapshot('w1')?.pacedUntil).toBeUndefined();
    await Promise.all([...sends, other]);
    expect(pool.workerSnapshot('w1')).toEqual(pool.snapshot().workers[0]);
    await pool.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
