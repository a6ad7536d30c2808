/** What the receiving side's own log says against the work a batch had to carry out. */
export interface ExactlyOnceTally<K> {
  /** Keys carried out exactly once. */
  readonly once: number;
  /** Times a key was carried out beyond its first. */
  readonly duplicates: number;
  /** Keys never carried out whose outcome does not say why (failed, unknown…): lost. */
  readonly lost: readonly K[];
}

/**
 * Check a batch against the receiver's log: `times` is how often the receiver carried out each
 * key; `expected` lists every key that had to be carried out, with whether its reported outcome
 * explains that it was not (a failure with a reason, an unknown outcome).
 */
export function tallyExactlyOnce<K>(
  times: ReadonlyMap<K, number>,
  expected: Iterable<{ readonly key: K; readonly explained: boolean }>,
): ExactlyOnceTally<K> {
  let once = 0;
  let duplicates = 0;
  for (const n of times.values()) {
    if (n === 1) once++;
    if (n > 1) duplicates += n - 1;
  }
  const lost: K[] = [];
  for (const { key, explained } of expected) if (!times.has(key) && !explained) lost.push(key);
  return { once, duplicates, lost };
}
