import { seededRandom } from '@switchyard/core';
import { performanceBased } from '@switchyard/strategies';
import { linkerdScenario, simulate } from '@switchyard/strategies/simulator';
import { runTraffic } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `w${i}` }));

/** Service times around 100 ms (75–125 ms), from a seeded source. */
function noisyService(seed: number) {
  const r = seededRandom(seed);
  return () => 75 + 50 * r();
}

describe('performanceBased', () => {
  it('shares among 10 identical workers within ±25 % of the mean', () => {
    // ~50 tasks in flight; before, 4 of the 10 workers took all the traffic.
    const { counts } = runTraffic((ctx) => performanceBased(ctx), {
      workers: ids(10),
      picks: 10_000,
      everyMs: 2,
      serviceMs: noisyService(1),
      seed: 2,
    });
    for (let i = 0; i < 10; i++) {
      const c = counts.get(`w${i}`) ?? 0;
      expect(Math.abs(c - 1_000) / 1_000).toBeLessThan(0.25);
    }
  });

  it('gives a worker added later its fair share once its slow start is over', () => {
    // One task every 5 ms: 'fresh' joins at pick 1,000 (5 s), slow start ends 10 s later (pick 3,000).
    const { shares } = runTraffic((ctx) => performanceBased(ctx), {
      workers: ids(4),
      picks: 6_000,
      everyMs: 5,
      serviceMs: noisyService(3),
      seed: 2,
      countFrom: 3_000,
      before: (fleet, i) => {
        if (i === 1_000) fleet.add('fresh', { capacity: 1_000 });
      },
    });
    expect(shares.get('fresh') ?? 0).toBeGreaterThan(0.2 * 0.75);
  });

  it('gives a worker that slowed down and recovered its fair share back', () => {
    // w0 answers in 2 s from 0 to 10 s of traffic, then like the others; counted from 40 s on.
    const { shares } = runTraffic((ctx) => performanceBased(ctx), {
      workers: ids(5),
      picks: 12_000,
      everyMs: 5,
      serviceMs: (w, now) => (w === 'w0' && now < 70_000 ? 2_000 : 100),
      seed: 2,
      countFrom: 8_000,
    });
    expect(shares.get('w0') ?? 0).toBeGreaterThan(0.2 * 0.75);
  });

  it('gives a worker back from backoff picks during its slow start, ramping to a fair share', () => {
    // w0 is in backoff from pick 500 to 1,000 (2.5 s), then ramps over 10 s (picks 1,000–3,000).
    const run = (countFrom: number, picks: number) =>
      runTraffic((ctx) => performanceBased(ctx), {
        workers: ids(5),
        picks,
        everyMs: 5,
        serviceMs: noisyService(4),
        seed: 2,
        countFrom,
        before: (fleet, i) => {
          if (i === 500) fleet.setState('w0', 'backoff', 'test');
          if (i === 1_000) fleet.setState('w0', 'connected', 'test');
        },
      });
    const during = run(1_000, 3_000).counts.get('w0') ?? 0;
    // 2,000 picks during slow start, fair share 400, mean slow-start factor ~0.55; before: 0.
    expect(during).toBeGreaterThan(400 * 0.3);
    expect(during).toBeLessThan(400);
    const after = run(3_000, 5_000).shares.get('w0') ?? 0;
    expect(after).toBeGreaterThan(0.2 * 0.75);
  });

  it('brings the simulator baseline imbalance down to that of the other strategies (under 1.25)', () => {
    // Linkerd baseline, seed 1: 1.78 before; round-robin 1.13, p2c-peak-ewma 1.14.
    const r = simulate(linkerdScenario(false), ({ random, clock }) => performanceBased({ random, clock }), 1);
    expect(r.imbalance).toBeLessThan(1.25);
  });
});
