import { VirtualClock } from '@switchyard/core';
import { leastLoaded } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidatesOf } from '../src/candidates.js';

describe('leastLoaded', () => {
  it('spreads a burst evenly because each assignment counts at once', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const ll = leastLoaded({ clock });
    for (let i = 0; i < 10; i++) fleet.add(`s${i}`, { capacity: 100 });
    clock.tick(60_000);
    for (let i = 0; i < 100; i++) {
      const task = makeTask();
      fleet.assign(task, ll.select(task, fleet.candidates())!);
    }
    for (const w of fleet.workers.values()) expect(w.inFlight).toBe(10);
  });

  it('compares relative load (inFlight / capacity), not raw counts', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const ll = leastLoaded({ clock, slowStartMs: 0 });
    const small = fleet.add('small', { capacity: 2 });
    const big = fleet.add('big', { capacity: 10 });
    small.inFlight = 1; // 50 %
    big.inFlight = 3; // 30 %
    expect(ll.select(makeTask(), fleet.candidates())!.id).toBe('big');
  });

  it('rotates ties', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const ll = leastLoaded({ clock, slowStartMs: 0 });
    for (const id of ['a', 'b', 'c']) fleet.add(id, { capacity: 5 });
    const picks = Array.from({ length: 6 }, () => ll.select(makeTask(), fleet.candidates())!.id);
    expect(new Set(picks)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('never yields NaN with capacity 0 and still returns a worker', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cap: fc.nat(3), load: fc.nat(3) }), { minLength: 1, maxLength: 8 }),
        (specs) => {
          const clock = new VirtualClock(0);
          const fleet = new FakeFleet(clock);
          const ll = leastLoaded({ clock });
          specs.forEach((s, i) => {
            fleet.add(`w${i}`, { capacity: s.cap }).inFlight = s.load;
          });
          const all = [...fleet.workers.values()];
          const w = ll.select(makeTask(), candidatesOf(all));
          expect(w).toBeDefined();
          const free = all.filter((x) => x.capacity > 0);
          if (free.length > 0) expect(w!.capacity).toBeGreaterThan(0);
        },
      ),
    );
  });
});
