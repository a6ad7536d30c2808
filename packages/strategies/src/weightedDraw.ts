import type { Candidates, Random, WorkerView } from '@switchyard/core';
import { randomIndex } from './randomIndex.js';
import { effectiveWeight, slowStartFactor } from './slowStart.js';

/** Draws of candidates by weight × slow start, for strategies that compare two drawn candidates. */
export interface WeightedDraw {
  /** A worker's share of the draws now: weight × slow-start factor. */
  mass(w: WorkerView, now: number): number;
  /** An index drawn with probability ∝ `mass`, other than `skip` (-1 for none). */
  draw(candidates: Candidates, n: number, skip: number, now: number): number;
}

/**
 * Rejection sampling against a running bound of weight × slow start: O(1) expected per draw,
 * one exact O(candidates) pass when unlucky (which also tightens the bound).
 */
export function weightedDraw(
  random: Random,
  slowStart: { readonly slowStartMs: number; readonly slowStartMinFactor: number },
): WeightedDraw {
  /** Running upper bound of weight × slow start over the candidates seen. */
  let bound = 0;
  const mass = (w: WorkerView, now: number): number =>
    effectiveWeight(w) * slowStartFactor(w, now, slowStart.slowStartMs, slowStart.slowStartMinFactor);
  const draw = (candidates: Candidates, n: number, skip: number, now: number): number => {
    for (let t = 0; t < 16; t++) {
      const i = randomIndex(random, n);
      if (i === skip) continue;
      const m = mass(candidates[i]!, now);
      if (m > bound) bound = m; // only grows here; the exact pass below tightens it
      if (random() * bound < m) return i;
    }
    let total = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      if (i === skip) continue;
      const m = mass(candidates[i]!, now);
      total += m;
      if (m > max) max = m;
    }
    bound = max;
    let r = random() * total;
    let last = skip === 0 ? 1 : 0;
    for (let i = 0; i < n; i++) {
      if (i === skip) continue;
      last = i;
      r -= mass(candidates[i]!, now);
      if (r < 0) return i;
    }
    return last;
  };
  return { mass, draw };
}
