import { seededRandom, VirtualClock } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function setup(n: number) {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  const rr = roundRobin({ clock, random: seededRandom(1) });
  rr.observe?.(fleet.events$);
  for (let i = 0; i < n; i++) fleet.add(`w${i}`, { capacity: 1_000 });
  return { clock, fleet, rr };
}

describe('roundRobin', () => {
  it('gives each of n workers ⌊k/n⌋ or ⌈k/n⌉ of any k consecutive picks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 200 }),
        (n, warm, k) => {
          const { fleet, rr } = setup(n);
          const cands = fleet.candidates();
          for (let i = 0; i < warm; i++) rr.select(makeTask(), cands);
          const counts = new Map<string, number>();
          for (let i = 0; i < k; i++) {
            const w = rr.select(makeTask(), cands)!;
            counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
          }
          for (const w of cands) {
            const c = counts.get(w.id) ?? 0;
            expect(c).toBeGreaterThanOrEqual(Math.floor(k / n));
            expect(c).toBeLessThanOrEqual(Math.ceil(k / n));
          }
        },
      ),
    );
  });

  it('keeps rotating in order when workers join and leave (no index modulo a changing list)', () => {
    const { fleet, rr } = setup(4);
    const pick = () => rr.select(makeTask(), fleet.candidates())!.id;
    expect([pick(), pick()]).toEqual(['w0', 'w1']);
    fleet.remove('w1'); // the one just picked leaves: continue with its successor
    expect(pick()).toBe('w2');
    fleet.add('w9', { capacity: 1_000 });
    expect([pick(), pick(), pick(), pick()]).toEqual(['w3', 'w9', 'w0', 'w2']);
  });

  it('skips workers that are not candidates', () => {
    const { fleet, rr } = setup(5);
    fleet.setState('w1', 'backoff');
    fleet.setState('w3', 'disconnected');
    const ids = Array.from({ length: 6 }, () => rr.select(makeTask(), fleet.candidates())!.id);
    expect(ids).toEqual(['w0', 'w2', 'w4', 'w0', 'w2', 'w4']);
  });

  it('finds workers it never heard of through events', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const rr = roundRobin({ clock }); // never observes
    for (let i = 0; i < 3; i++) fleet.add(`w${i}`, { capacity: 10 });
    const ids = Array.from({ length: 6 }, () => rr.select(makeTask(), fleet.candidates())!.id);
    expect(ids.sort()).toEqual(['w0', 'w0', 'w1', 'w1', 'w2', 'w2']);
  });

  it('serves a worker of weight 3 three times per round', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const rr = roundRobin({ clock });
    rr.observe?.(fleet.events$);
    fleet.add('a', { capacity: 100, weight: 3 });
    fleet.add('b', { capacity: 100 });
    const ids = Array.from({ length: 8 }, () => rr.select(makeTask(), fleet.candidates())!.id);
    expect(ids).toEqual(['a', 'a', 'a', 'b', 'a', 'a', 'a', 'b']);
  });

  it('forgets removed workers', () => {
    const { fleet, rr } = setup(10);
    for (let i = 0; i < 10; i++) fleet.remove(`w${i}`);
    expect(rr.trackedWorkers()).toEqual([]);
  });
});
