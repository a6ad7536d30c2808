import { constants, PerformanceObserver } from 'node:perf_hooks';
import { type Strategy, seededRandom, VirtualClock } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

/**
 * Minor GCs (scavenges) that start while `work` runs. A pick that allocated even a few bytes
 * would fill the young generation within a million picks and trigger at least one.
 */
async function scavengesDuring(work: () => void): Promise<number> {
  const seen: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) seen.push(e.startTime);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  work();
  const end = performance.now();
  await new Promise((r) => setTimeout(r, 50)); // gc entries are delivered asynchronously
  observer.disconnect();
  return seen.filter((t) => t >= start && t <= end).length;
}

function fleetOf(strategy: Strategy, n: number) {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  strategy.observe?.(fleet.events$);
  for (let i = 0; i < n; i++) {
    const w = fleet.add(`w${i}`, { capacity: 8 });
    for (let k = 0; k < 1 + (i % 7); k++) fleet.assign(makeTask(), w);
  }
  clock.tick(3_600_000); // past slow start
  return fleet;
}

// roundRobin walks its own ring and touches no floating-point arithmetic: nothing at all is
// allocated per pick. (p2cPeakEwma and leastLoaded build no objects per pick either, but their
// cost arithmetic and the injected random/clock return doubles that V8 may box, so a million
// picks can cost a minor GC or two there; the benchmark reports their time per pick.)
/**
 * The fewest minor GCs over three runs of three million picks, after a first run that compiles
 * the loop itself (its on-stack replacement allocates code once). A pick that allocated even 16
 * bytes would fill the young generation in every run; a GC caused by something else (the test
 * runner) lands in one run, not in all three.
 */
async function fewestScavenges(strategy: Strategy, candidates: ReturnType<FakeFleet['candidates']>) {
  const task = makeTask();
  const picks = () => {
    for (let i = 0; i < 3_000_000; i++) strategy.select(task, candidates);
  };
  picks();
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) runs.push(await scavengesDuring(picks));
  return Math.min(...runs);
}

describe.each([['roundRobin', () => roundRobin({ random: seededRandom(1) })]] as const)(
  '%s',
  (_name, make) => {
    it('allocates nothing per pick on the hot path (no minor GC in three million picks)', async () => {
      const strategy = make();
      expect(await fewestScavenges(strategy, fleetOf(strategy, 2_000).candidates())).toBe(0);
    });
  },
);

describe('the allocation check', () => {
  it('sees a strategy that allocates one small object per pick', async () => {
    const inner = roundRobin({ random: seededRandom(1) });
    const kept: { last?: { at: number } } = {};
    const allocating: Strategy = {
      ...inner,
      name: 'allocating',
      select: (task, candidates) => {
        kept.last = { at: candidates.length };
        return inner.select(task, candidates);
      },
    };
    expect(await fewestScavenges(allocating, fleetOf(inner, 2_000).candidates())).toBeGreaterThan(0);
  });
});
