import { VirtualClock } from '@switchyard/core';
import { smoothWeightedRoundRobin } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

function fleetOf(weights: Record<string, number>) {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  for (const [id, weight] of Object.entries(weights)) fleet.add(id, { weight, capacity: 1_000 });
  return fleet;
}

describe('smoothWeightedRoundRobin', () => {
  it('interleaves weights 5:1:1 as nginx does: a a b a c a a', () => {
    const fleet = fleetOf({ a: 5, b: 1, c: 1 });
    const s = smoothWeightedRoundRobin();
    const picks = Array.from({ length: 14 }, () => s.select(makeTask(), fleet.candidates())!.id).join(' ');
    expect(picks).toBe('a a b a c a a a a b a c a a');
  });

  it('keeps every worker within one pick of its exact share in every window of a short burst', () => {
    const weights = { a: 1, b: 2, c: 3 };
    const fleet = fleetOf(weights);
    const s = smoothWeightedRoundRobin();
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let k = 1; k <= 60; k++) {
      counts[s.select(makeTask(), fleet.candidates())!.id]!++;
      for (const [id, w] of Object.entries(weights))
        expect(Math.abs(counts[id]! - (k * w) / 6)).toBeLessThan(1);
    }
  });

  it('is exact in a short burst: 12 picks over weights 1:2:3 give 2:4:6', () => {
    const weights = { a: 1, b: 2, c: 3 };
    const swrr = smoothWeightedRoundRobin();
    const fleet = fleetOf(weights);
    const counts = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const id = swrr.select(makeTask(), fleet.candidates())!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([counts.get('a'), counts.get('b'), counts.get('c')]).toEqual([2, 4, 6]);
  });

  it('forgets a removed worker', () => {
    const fleet = fleetOf({ a: 1, b: 1 });
    const s = smoothWeightedRoundRobin();
    s.observe?.(fleet.events$);
    s.select(makeTask(), fleet.candidates());
    fleet.remove('a');
    expect(s.trackedWorkers()).toEqual(['b']);
  });
});
