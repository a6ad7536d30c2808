import { VirtualClock } from '@switchyard/core';
import { consistentHash } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidatesOf } from '../src/candidates.js';

function owners(n: number, keys: number, drop?: string, extra?: string) {
  const fleet = new FakeFleet(new VirtualClock(0));
  for (let i = 0; i < n; i++) fleet.add(`w${i}`, { capacity: 10 });
  if (extra) fleet.add(extra, { capacity: 10 });
  const all = [...fleet.workers.values()].filter((w) => w.id !== drop);
  const cands = candidatesOf(all);
  const ch = consistentHash();
  return Array.from({ length: keys }, (_, k) => ch.select(makeTask({ key: `key-${k}` }), cands)!.id);
}

describe('consistentHash', () => {
  it('moves only the leaving worker’s keys, about 1/N of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.nat(), (n, which) => {
        const gone = `w${which % n}`;
        const before = owners(n, 2_000);
        const after = owners(n, 2_000, gone);
        let moved = 0;
        before.forEach((owner, k) => {
          if (owner !== after[k]) {
            moved++;
            expect(owner).toBe(gone); // no other key moves
          }
        });
        expect(moved / 2_000).toBeLessThan(1.6 / n + 0.02);
      }),
      { numRuns: 30 },
    );
  });

  it('moves only keys to a joining worker, about 1/(N+1) of them', () => {
    const before = owners(9, 3_000);
    const after = owners(9, 3_000, undefined, 'new');
    const moved = before.filter((o, k) => o !== after[k]);
    expect(after.filter((o, k) => o !== before[k]).every((o) => o === 'new')).toBe(true);
    expect(moved.length / 3_000).toBeGreaterThan(0.05);
    expect(moved.length / 3_000).toBeLessThan(0.15);
  });

  it('honours weights', () => {
    const fleet = new FakeFleet(new VirtualClock(0));
    fleet.add('heavy', { capacity: 10, weight: 3 });
    fleet.add('light', { capacity: 10, weight: 1 });
    const ch = consistentHash();
    const cands = fleet.candidates();
    let heavy = 0;
    for (let k = 0; k < 4_000; k++) if (ch.select(makeTask({ key: `k${k}` }), cands)!.id === 'heavy') heavy++;
    expect(heavy / 4_000).toBeGreaterThan(0.7);
    expect(heavy / 4_000).toBeLessThan(0.8);
  });
});
