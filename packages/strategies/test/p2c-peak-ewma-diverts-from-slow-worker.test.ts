import { seededRandom, VirtualClock } from '@switchyard/core';
import { p2cPeakEwma } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';
import { candidatesOf } from '../src/candidates.js';

function fleetOf(n: number) {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  const p2c = p2cPeakEwma({ clock, random: seededRandom(3) });
  p2c.observe?.(fleet.events$);
  for (let i = 0; i < n; i++) fleet.add(`w${i}`, { capacity: 1_000 });
  clock.tick(60_000); // past slow start
  return { clock, fleet, p2c };
}

describe('p2cPeakEwma', () => {
  it('samples two distinct candidates: with two workers the cheaper one always wins', () => {
    const { fleet, p2c } = fleetOf(2);
    fleet.workers.get('w0')!.inFlight = 5;
    for (let i = 0; i < 50; i++) expect(p2c.select(makeTask(), fleet.candidates())!.id).toBe('w1');
  });

  it('stops sending to a worker as soon as one slow response comes back', () => {
    const { clock, fleet, p2c } = fleetOf(5);
    for (const w of fleet.workers.values()) {
      const t = makeTask();
      fleet.assign(t, w);
      clock.tick(1);
      fleet.succeed(t, w.id, w.id === 'w0' ? 2_000 : 100);
    }
    const counts = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const w = p2c.select(makeTask(), fleet.candidates())!;
      counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
    }
    expect(counts.get('w0') ?? 0).toBe(0); // the slowest is never the cheaper of two
  });

  it('charges a rate limit as a large latency', () => {
    const { clock, fleet, p2c } = fleetOf(3);
    for (const w of fleet.workers.values()) {
      const t = makeTask();
      fleet.assign(t, w);
      clock.tick(1);
      if (w.id === 'w1') fleet.fail(t, w.id, 'rate-limited', 5, 30_000);
      else fleet.succeed(t, w.id, 100);
    }
    const picks = Array.from({ length: 300 }, () => p2c.select(makeTask(), fleet.candidates())!.id);
    expect(picks).not.toContain('w1');
  });

  it('probes a new worker instead of flooding it', () => {
    const { clock, fleet, p2c } = fleetOf(4);
    for (const w of fleet.workers.values()) {
      const t = makeTask();
      fleet.assign(t, w);
      fleet.succeed(t, w.id, 100);
    }
    fleet.add('fresh', { capacity: 1_000 });
    clock.tick(1);
    let fresh = 0;
    for (let i = 0; i < 500; i++) {
      const t = makeTask();
      const w = p2c.select(t, fleet.candidates())!;
      fleet.assign(t, w);
      if (w.id === 'fresh') fresh++;
    }
    expect(fresh).toBeLessThan(500 / 5); // less than a fair share while unproven and in slow start
  });

  it('returns the only candidate', () => {
    const { fleet, p2c } = fleetOf(3);
    const only = fleet.workers.get('w2')!;
    expect(p2c.select(makeTask(), candidatesOf([only]))).toBe(only);
  });
});
