import { VirtualClock } from '@switchyard/core';
import {
  adaptive,
  capabilityBased,
  consistentHash,
  leastLoaded,
  p2cPeakEwma,
  performanceBased,
  roundRobin,
  weightedResponseTime,
} from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

describe('capabilityBased', () => {
  it('prefers the closest match, then load', () => {
    const fleet = new FakeFleet(new VirtualClock(0));
    fleet.add('generalist', { capacity: 4, capabilities: ['db', 'ml', 'web'] });
    fleet.add('specialist', { capacity: 4, capabilities: ['db'] });
    const cb = capabilityBased();
    expect(cb.select(makeTask({ requires: ['db'] }), fleet.candidates())!.id).toBe('specialist');
  });

  it('never picks an overloaded worker ahead of a free one that matches', () => {
    const fleet = new FakeFleet(new VirtualClock(0));
    const busy = fleet.add('exact', { capacity: 1, capabilities: ['db', 'pg'] });
    busy.inFlight = 1;
    const free = fleet.add('partial', { capacity: 1, capabilities: ['db'] });
    const cb = capabilityBased();
    const all = [busy, free];
    const cands = Object.assign(all, { has: (w: unknown) => all.includes(w as never) });
    expect(cb.select(makeTask({ requires: ['db', 'pg'] }), cands)!.id).toBe('partial');
  });

  it('still gives a worker to a task with no requirements', () => {
    const fleet = new FakeFleet(new VirtualClock(0));
    fleet.add('x', { capacity: 1, capabilities: ['db'] });
    expect(capabilityBased().select(makeTask(), fleet.candidates())!.id).toBe('x');
  });
});

const all = {
  roundRobin,
  leastLoaded,
  capabilityBased,
  performanceBased,
  weightedResponseTime,
  p2cPeakEwma,
  consistentHash,
  adaptive,
};

describe.each(Object.entries(all))('%s: affinity is soft, anti-affinity is hard', (_name, factory) => {
  it('prefers an affinity worker when it is a candidate, and falls back when it is not', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const s = factory({ clock });
    s.observe?.(fleet.events$);
    for (let i = 0; i < 6; i++) fleet.add(`w${i}`, { capacity: 10 });
    clock.tick(60_000);
    for (let i = 0; i < 20; i++)
      expect(s.select(makeTask({ affinity: ['w4'] }), fleet.candidates())!.id).toBe('w4');
    fleet.setState('w4', 'backoff');
    expect(s.select(makeTask({ affinity: ['w4'] }), fleet.candidates())).toBeDefined();
  });

  it('never picks an anti-affinity worker, even if the caller did not filter', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const s = factory({ clock });
    for (let i = 0; i < 3; i++) fleet.add(`w${i}`, { capacity: 10 });
    for (let i = 0; i < 30; i++) {
      const w = s.select(makeTask({ antiAffinity: ['w0', 'w1'], key: `k${i}` }), fleet.candidates());
      expect(w!.id).toBe('w2');
    }
    expect(s.select(makeTask({ antiAffinity: ['w0', 'w1', 'w2'] }), fleet.candidates())).toBeUndefined();
  });
});

describe('performanceBased', () => {
  it('scores with DEFAULT_PERFORMANCE_WEIGHTS from recent (windowed) outcomes, not lifetime', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const pb = performanceBased({ clock });
    pb.observe?.(fleet.events$);
    const a = fleet.add('a', { capacity: 10 });
    fleet.add('b', { capacity: 10 });
    clock.tick(60_000);
    // a: long good history, then a recent run of failures.
    for (let i = 0; i < 500; i++) {
      const t = makeTask();
      fleet.assign(t, a);
      fleet.succeed(t, 'a', 100);
    }
    for (let i = 0; i < 30; i++) {
      const t = makeTask();
      fleet.assign(t, a);
      fleet.fail(t, 'a', 'transient', 100);
    }
    expect(pb.score(a).success).toBeLessThan(0.1);
    expect(pb.select(makeTask(), fleet.candidates())!.id).toBe('b');
    const s = pb.score(a);
    expect(s.total).toBeCloseTo(
      0.35 * s.success + 0.25 * s.speed + 0.25 * s.reliability + 0.15 * s.capacity,
      9,
    );
  });
});
