import { seededRandom, VirtualClock } from '@switchyard/core';
import { leastLoaded } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

/** Light traffic: every task finishes before the next arrives, so all loads tie at 0. */
function idleRun(windowMs: number, picks: number) {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  const ll = leastLoaded({ clock, random: seededRandom(5), slowStartMs: 10_000 });
  ll.observe?.(fleet.events$);
  for (let i = 0; i < 4; i++) fleet.add(`w${i}`, { capacity: 10 });
  clock.tick(60_000);
  fleet.add('fresh', { capacity: 10 });
  const counts = new Map<string, number>();
  const step = windowMs / picks;
  for (let i = 0; i < picks; i++) {
    const task = makeTask();
    const w = ll.select(task, fleet.candidates())!;
    counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
    fleet.assign(task, w);
    fleet.succeed(task, w.id, 1);
    clock.tick(step);
  }
  return counts;
}

describe('leastLoaded slow start on an idle pool', () => {
  it('probes a new worker in its first 2 s, below its fair share', () => {
    // 400 picks over the first 2 s; fair share would be 80. Before the probe it got 0.
    const fresh = idleRun(2_000, 400).get('fresh') ?? 0;
    expect(fresh).toBeGreaterThanOrEqual(5);
    expect(fresh).toBeLessThan(80 * 0.5);
  });

  it('ramps a new worker up to its fair share over the slow start window', () => {
    // Over the whole 10 s window the mean factor is ~0.55: between 35 % and 75 % of 400 (1/5 of 2,000).
    const fresh = idleRun(10_000, 2_000).get('fresh') ?? 0;
    expect(fresh).toBeGreaterThan(400 * 0.35);
    expect(fresh).toBeLessThan(400 * 0.75);
  });
});
