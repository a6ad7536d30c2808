import { p2cPeakEwma } from '@switchyard/strategies';
import { runTraffic } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

// Task service time 100 ms. One task every 1,000 ms leaves the pool idle between tasks; every
// 20 ms keeps ~5 in flight; every 2 ms keeps ~50 in flight.
const LOADS = [
  { label: 'idle', everyMs: 1_000 },
  { label: '~5 in flight', everyMs: 20 },
  { label: '~50 in flight', everyMs: 2 },
] as const;

describe('p2cPeakEwma weights', () => {
  for (const { label, everyMs } of LOADS) {
    it(`shares picks 1:2 by weight (within ±5 points of 2/3) at ${label}`, () => {
      const { shares } = runTraffic((ctx) => p2cPeakEwma(ctx), {
        workers: [
          { id: 'light', weight: 1 },
          { id: 'heavy', weight: 2 },
        ],
        picks: 3_000,
        everyMs,
        seed: 4,
      });
      expect(Math.abs(shares.get('heavy')! - 2 / 3)).toBeLessThan(0.05);
    });

    it(`shares picks 1:2:3 over six workers by weight (each within ±20 % of its share) at ${label}`, () => {
      const weights = [1, 2, 3, 1, 2, 3];
      const { shares } = runTraffic((ctx) => p2cPeakEwma(ctx), {
        workers: weights.map((weight, i) => ({ id: `w${i}`, weight })),
        picks: 6_000,
        everyMs,
        seed: 4,
      });
      for (let i = 0; i < weights.length; i++) {
        const want = weights[i]! / 12;
        expect(Math.abs((shares.get(`w${i}`) ?? 0) - want) / want).toBeLessThan(0.2);
      }
    });
  }
});
