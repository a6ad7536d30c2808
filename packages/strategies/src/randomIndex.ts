import type { Random } from '@switchyard/core';

/** A uniform index in [0, n), safe against a `random` that returns exactly 1. */
export function randomIndex(random: Random, n: number): number {
  const i = Math.floor(random() * n);
  return i < n ? Math.max(i, 0) : n - 1;
}
