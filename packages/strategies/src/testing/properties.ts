import type { Strategy } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './conformance.js';
import type { FakeFleet } from './fakeFleet.js';
import { runTraffic } from './shares.js';

/** A property a strategy opts out of, with the reason, which the kit reports as a skipped test. */
export interface NotApplicable {
  notApplicable: string;
}

/** The balancing properties a strategy opts into, each by what it can do. */
export interface BalancingCapabilities {
  /** Weights are proportions: workers weighted 1:2:3 get 1:2:3 of the picks at every load level. */
  weights?: true | NotApplicable;
  /** Identical workers each get within the tolerance of the mean share, at every load level. */
  noStarvation?: true | NotApplicable;
  /**
   * A worker that joins is probed early and ramped: it gets picks within the first fifth of
   * `slowStartMs` (at least 2 s), no more than a fair share there when `slowStartMs` > 0, and a
   * fair share once the window is over; on an idle pool and under load. Give the slow-start
   * window the factory configures (0 for none).
   */
  newWorker?: { slowStartMs: number } | NotApplicable;
  /**
   * A worker that was slow and recovered, or was in backoff and is back, gets a fair share again.
   * `slowStartMs` as for `newWorker`; `withinMs` (default 60,000) is how long after recovering
   * the fair share is measured.
   */
  recoveredWorker?: { slowStartMs: number; withinMs?: number } | NotApplicable;
  /** Allowed relative distance from the fair share in every property. Default 0.25 (±25 %). */
  tolerance?: number;
}

type Factory = (ctx: ConformanceContext) => Strategy;

/** Service 100 ms. One task every 1,000 ms: idle between tasks; every 20 ms: ~5 in flight; every 2 ms: ~50. */
const LOADS = [
  { label: 'idle', everyMs: 1_000 },
  { label: '~5 in flight', everyMs: 20 },
  { label: '~50 in flight', everyMs: 2 },
] as const;

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `w${i}` }));

function declare(title: string, cap: unknown, body: () => void): void {
  if (cap === undefined) return;
  if (typeof cap === 'object' && cap !== null && 'notApplicable' in cap) {
    it.skip(`${title} (does not apply: ${(cap as NotApplicable).notApplicable})`, () => {});
    return;
  }
  body();
}

/** Relative distance from `want`, for the failure message. */
const off = (got: number, want: number): number => Math.abs(got - want) / want;

/**
 * The balancing properties: weights as proportions, no starvation of identical workers, a new
 * worker probed and ramped, a recovered worker given traffic back. Each runs only when its
 * capability is declared (and shows as skipped, with the reason, when declared not applicable).
 * Steady traffic on virtual time, fixed seeds: results are exact replays.
 */
export function describeBalancingProperties(
  name: string,
  factory: Factory,
  caps: BalancingCapabilities,
): void {
  const tol = caps.tolerance ?? 0.25;
  describe(`balancing properties: ${name}`, () => {
    declare('weights 1:2:3 are proportions at every load level', caps.weights, () => {
      for (const { label, everyMs } of LOADS) {
        it(`weights 1:2:3 are proportions (±${tol * 100} %) at ${label}`, () => {
          const weights = [1, 2, 3, 1, 2, 3];
          const { shares } = runTraffic(factory, {
            workers: weights.map((weight, i) => ({ id: `w${i}`, weight })),
            picks: 6_000,
            everyMs,
          });
          for (let i = 0; i < weights.length; i++) {
            const want = weights[i]! / 12;
            expect(off(shares.get(`w${i}`) ?? 0, want), `w${i} (weight ${weights[i]})`).toBeLessThan(tol);
          }
        });
      }
    });

    declare('identical workers are not starved at any load level', caps.noStarvation, () => {
      for (const { label, everyMs } of LOADS) {
        it(`10 identical workers each get the mean share (±${tol * 100} %) at ${label}`, () => {
          const { shares } = runTraffic(factory, { workers: ids(10), picks: 5_000, everyMs });
          for (let i = 0; i < 10; i++) expect(off(shares.get(`w${i}`) ?? 0, 0.1), `w${i}`).toBeLessThan(tol);
        });
      }
    });

    const nw = caps.newWorker;
    declare('a new worker is probed and ramped', nw, () => {
      const slowStartMs = (nw as { slowStartMs: number }).slowStartMs;
      // Idle: a 5 ms task every 10 ms. Loaded: a 100 ms task every 5 ms (~20 in flight).
      for (const { label, everyMs, service } of [
        { label: 'idle', everyMs: 10, service: 5 },
        { label: '~20 in flight', everyMs: 5, service: 100 },
      ]) {
        it(`a new worker is probed early and ramped to a fair share (${label})`, () => {
          const serviceMs = () => service;
          const joinAt = Math.ceil(5_000 / everyMs);
          const early = Math.ceil(Math.max(slowStartMs / 5, 2_000) / everyMs);
          const settled = joinAt + Math.ceil((slowStartMs + 5_000) / everyMs);
          const count = Math.ceil(20_000 / everyMs);
          const before = (fleet: FakeFleet, i: number) => {
            if (i === joinAt) fleet.add('fresh', { capacity: 1_000 });
          };
          const run = (from: number, picks: number) =>
            runTraffic(factory, { workers: ids(4), picks, everyMs, serviceMs, countFrom: from, before });
          const first = run(joinAt, joinAt + early);
          expect(first.counts.get('fresh') ?? 0, 'picks early in slow start').toBeGreaterThan(0);
          if (slowStartMs > 0) {
            // Probed, not flooded: no more than a fair share while ramping.
            expect(first.shares.get('fresh') ?? 0, 'share while ramping').toBeLessThan(0.2 * (1 + tol));
          }
          const after = run(settled, settled + count);
          expect(off(after.shares.get('fresh') ?? 0, 0.2), 'share after slow start').toBeLessThan(tol);
        });
      }
    });

    const rw = caps.recoveredWorker;
    declare('a recovered worker is given traffic back', rw, () => {
      const { slowStartMs, withinMs = 60_000 } = rw as { slowStartMs: number; withinMs?: number };
      const everyMs = 5;
      it('a worker that was slow for 10 s gets a fair share back', () => {
        // Traffic starts at 60 s (after the warm-up); w0 answers in 2 s until 70 s.
        const from = Math.ceil((10_000 + withinMs) / everyMs);
        const { shares } = runTraffic(factory, {
          workers: ids(5),
          picks: from + Math.ceil(20_000 / everyMs),
          everyMs,
          serviceMs: (w, now) => (w === 'w0' && now < 70_000 ? 2_000 : 100),
          countFrom: from,
        });
        expect(off(shares.get('w0') ?? 0, 0.2), 'w0 share after recovery').toBeLessThan(tol);
      });
      it('a worker back from backoff gets picks during slow start and a fair share after it', () => {
        const down = 1_000;
        const up = 2_000;
        const before = (
          fleet: Parameters<NonNullable<Parameters<typeof runTraffic>[1]['before']>>[0],
          i: number,
        ) => {
          if (i === down) fleet.setState('w0', 'backoff', 'test');
          if (i === up) fleet.setState('w0', 'connected', 'test');
        };
        const ramp = Math.ceil(Math.max(slowStartMs, 2_000) / everyMs);
        const during = runTraffic(factory, {
          workers: ids(5),
          picks: up + ramp,
          everyMs,
          countFrom: up,
          before,
        });
        expect(during.counts.get('w0') ?? 0, 'picks during slow start').toBeGreaterThan(0);
        const settled = up + ramp + Math.ceil(5_000 / everyMs);
        const after = runTraffic(factory, {
          workers: ids(5),
          picks: settled + Math.ceil(20_000 / everyMs),
          everyMs,
          countFrom: settled,
          before,
        });
        expect(off(after.shares.get('w0') ?? 0, 0.2), 'w0 share after slow start').toBeLessThan(tol);
      });
    });
  });
}
