import { seededRandom, VirtualClock } from '@switchyard/core';
import { weightedResponseTime } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

function warmed(n: number, latency: (id: string) => number, fail: (id: string) => boolean = () => false) {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  const wrt = weightedResponseTime({ clock, random: seededRandom(11) });
  wrt.observe?.(fleet.events$);
  for (let i = 0; i < n; i++) fleet.add(`w${i}`, { capacity: 1_000 });
  clock.tick(60_000);
  for (let round = 0; round < 20; round++) {
    for (const w of fleet.workers.values()) {
      const t = makeTask();
      fleet.assign(t, w);
      clock.tick(10);
      if (fail(w.id)) fleet.fail(t, w.id, 'transient', 1);
      else fleet.succeed(t, w.id, latency(w.id));
    }
  }
  return { clock, fleet, wrt };
}

function shares(n: number, pick: () => string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pick();
    m.set(id, (m.get(id) ?? 0) + 1 / n);
  }
  return m;
}

describe('weightedResponseTime', () => {
  it('sends more to faster workers', () => {
    const { fleet, wrt } = warmed(2, (id) => (id === 'w0' ? 50 : 200));
    const s = shares(4_000, () => wrt.select(makeTask(), fleet.candidates())!.id);
    expect(s.get('w0')!).toBeGreaterThan(0.8);
  });

  it('does not flood a new worker (slow start, average cost assumed)', () => {
    const { clock, fleet, wrt } = warmed(4, () => 100);
    fleet.add('fresh', { capacity: 1_000 });
    clock.tick(100);
    const s = shares(4_000, () => wrt.select(makeTask(), fleet.candidates())!.id);
    expect(s.get('fresh') ?? 0).toBeLessThan(0.1); // the seed gave ~90 %
  });

  it('does not reward a worker that fails fast', () => {
    const { fleet, wrt } = warmed(
      3,
      () => 100,
      (id) => id === 'w2',
    );
    const s = shares(4_000, () => wrt.select(makeTask(), fleet.candidates())!.id);
    expect(s.get('w2') ?? 0).toBeLessThan(0.05);
  });

  it('forgets removed workers', () => {
    const { fleet, wrt } = warmed(3, () => 100);
    for (const id of [...fleet.workers.keys()]) fleet.remove(id);
    expect(wrt.trackedWorkers()).toEqual([]);
  });
});
