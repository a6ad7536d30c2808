import type { PoolSnapshot } from '@switchyard/core';

/**
 * The adapter's task kinds, as operation metrics count them. The pool reports only kinds it has
 * seen; the adapter always reports these four, at 0 when unused.
 */
export const OPERATION_KINDS = ['scraping', 'monitoring', 'sending', 'other'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** `byKind` with every operation kind present (0 when absent), then any other kinds it has. */
export function withOperationKinds(
  byKind: Readonly<Record<string, number>>,
): Record<OperationKind, number> & Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of OPERATION_KINDS) out[kind] = byKind[kind] ?? 0;
  for (const [kind, n] of Object.entries(byKind)) out[kind] = n;
  return out as Record<OperationKind, number> & Record<string, number>;
}

/** The pool's snapshot with every operation kind in its per-kind metrics. */
export function snapshotWithOperationKinds(snapshot: PoolSnapshot): PoolSnapshot {
  const m = snapshot.metrics;
  return {
    ...snapshot,
    metrics: {
      ...m,
      inFlightByKind: withOperationKinds(m.inFlightByKind),
      queuedByKind: withOperationKinds(m.queuedByKind),
      completedByKind: withOperationKinds(m.completedByKind),
      failedByKind: withOperationKinds(m.failedByKind),
    },
  };
}
