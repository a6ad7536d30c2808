/** `p2cPeakEwma`, `P2C_PEAK_EWMA` and `p2c-peak-ewma` all read `p2cpeakewma`: no case, no separators. */
export const squash = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

/** Levenshtein distance: the fewest one-character inserts, deletes and changes from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const change = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(change, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The name in `names` that `input` most likely meant: the only one it begins (`p2c`), else the
 * one fewest edits away, if that is at most a third of its length (so `fastest` suggests
 * nothing rather than a name that shares two letters with it).
 */
export function nearestName<N extends string>(input: string, names: readonly N[]): N | undefined {
  const wanted = squash(input);
  if (wanted === '') return undefined;
  const starts = names.filter((name) => squash(name).startsWith(wanted));
  if (starts.length === 1) return starts[0];
  let best: { name: N; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(wanted, squash(name));
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  return best !== undefined && best.distance <= Math.max(1, Math.floor(squash(best.name).length / 3))
    ? best.name
    : undefined;
}
