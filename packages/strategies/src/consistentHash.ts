import type { Candidates, TaskView, WorkerView } from '@switchyard/core';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight } from './slowStart.js';

export type ConsistentHashOptions = CommonStrategyOptions;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** murmur3's finaliser: spreads FNV's weak low bits over all 32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Weighted rendezvous score of `id` for a key already hashed to `keyState`. */
export function rendezvousScore(keyState: number, id: string, weight: number): number {
  const u = (fmix32(fnv(keyState, id)) + 0.5) / 4294967296; // in (0, 1)
  return weight / -Math.log(u);
}

/** Hash state of a key, to pass to `rendezvousScore`. */
export function keyHashState(key: string): number {
  return fnv(Math.imul(fnv(FNV_OFFSET, key), FNV_PRIME) ^ 0xff, '');
}

/**
 * Weighted rendezvous (highest random weight) hashing on `task.key`: every candidate gets the
 * score weight / −ln(hash(key, worker) ∈ (0, 1)) and the highest wins. When one of N workers
 * joins or leaves, only the keys it wins or owned move (about 1/N) and no other key moves. A
 * task without a key hashes on its id, which spreads such tasks evenly. Stateless; one pass
 * over the candidates. Slow start does not apply: ramping would move keys twice.
 */
export function consistentHash(options: ConsistentHashOptions = {}): InspectableStrategy {
  resolveCommon('consistentHash', options, 0);

  const pick = (task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const state = keyHashState(task.key ?? `#${task.id}`);
    let best: WorkerView | undefined;
    let bestScore = -1;
    for (let i = 0; i < n; i++) {
      const w = candidates[i]!;
      const s = rendezvousScore(state, w.id, effectiveWeight(w));
      if (s > bestScore) {
        bestScore = s;
        best = w;
      }
    }
    return best;
  };

  return {
    name: 'consistent-hash',
    select: (task, candidates) => constrained(task, candidates, pick),
    trackedWorkers: () => [],
  };
}
