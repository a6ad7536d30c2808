import { createPool, seededRandom, VirtualClock } from '@switchyard/core';
import { describeStrategyConformance, FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';
import { primaryFirst } from '../../src/plugins/primaryFirst.js';

// The kit's property tests: only candidates, anti-affinity, O(candidates), replay, no state
// left for removed workers.
describeStrategyConformance('primary-first', ({ clock }) => primaryFirst({ clock, tier: 'a' }));

describe('primaryFirst', () => {
  const fleet = () => {
    const clock = new VirtualClock(0);
    const f = new FakeFleet(clock);
    const strategy = primaryFirst({ clock, cooldownMs: 1000 });
    strategy.observe?.(f.events$);
    f.add('p1', { capacity: 2, capabilities: ['primary'] });
    f.add('p2', { capacity: 2, capabilities: ['primary'] });
    f.add('overflow', { capacity: 10 });
    return { clock, f, strategy };
  };

  it('shares work between the primaries and overflows only when they are full', () => {
    const { f, strategy } = fleet();
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const task = makeTask({ id: i + 1 });
      const w = strategy.select(task, f.candidates())!;
      f.assign(task, w);
      picks.push(w.id);
    }
    expect(picks.slice(0, 4).sort()).toEqual(['p1', 'p1', 'p2', 'p2']);
    expect(picks.slice(4)).toEqual(['overflow', 'overflow']);
  });

  it('passes over a worker that just failed until its cooldown ends, then forgets it when removed', () => {
    const { clock, f, strategy } = fleet();
    const task = makeTask({ id: 1 });
    f.assign(task, f.workers.get('p1')!);
    f.fail(task, 'p1', 'transient', 10);
    for (let i = 0; i < 4; i++)
      expect(strategy.select(makeTask({ id: 10 + i }), f.candidates())?.id).toBe('p2');
    clock.tick(1000);
    const after = new Set(
      [1, 2, 3, 4].map((i) => strategy.select(makeTask({ id: 20 + i }), f.candidates())?.id),
    );
    expect(after).toEqual(new Set(['p1', 'p2']));
    expect(strategy.trackedWorkers()).toEqual(['p1']);
    f.remove('p1');
    expect(strategy.trackedWorkers()).toEqual([]);
  });

  it('runs a real pool', async () => {
    const clock = new VirtualClock(0);
    const pool = createPool<string>({ strategy: primaryFirst({ clock }), clock, random: seededRandom(1) });
    pool.addWorker({ id: 'primary-1', resource: 'p', capabilities: ['primary'], capacity: 2 });
    pool.addWorker({ id: 'spare', resource: 's', capacity: 2 });
    const running = Promise.all(
      [1, 2, 3].map(() =>
        pool.submit({
          run: async ({ worker }) => {
            await new Promise<void>((resolve) => clock.setTimeout(resolve, 50));
            return worker;
          },
        }),
      ),
    );
    await clock.runAll();
    const ran = await running;
    expect(ran.filter((w) => w === 'primary-1')).toHaveLength(2);
    expect(ran.filter((w) => w === 'spare')).toHaveLength(1);
    await pool.close();
  });

  it('refuses a negative cooldown', () => {
    expect(() => primaryFirst({ cooldownMs: -1 })).toThrow(/cooldownMs must be a finite number ≥ 0/);
  });
});
