import type { Candidates, Clock, LoadEvent, TaskView, WorkerView } from '@switchyard/core';
import type { InspectableStrategy } from '@switchyard/strategies';
import { filter, type Observable, type Unsubscribable } from 'rxjs';

export interface PrimaryFirstOptions {
  /** Workers with this capability are preferred; the others are the overflow tier. Default `'primary'`. */
  readonly tier?: string;
  /** How long a worker that just failed is passed over while another candidate exists. Default 5 s. */
  readonly cooldownMs?: number;
  /** The clock the pool runs on (injected, so tests and the conformance kit replay exactly). */
  readonly clock?: Pick<Clock, 'now'>;
}

/**
 * A strategy plugin: use the primary tier (say, your own servers or paid API keys) and
 * overflow to the rest (a shared fallback) only when every primary is busy, failing or gone.
 *
 * - Within a tier it picks the lowest relative load (inFlight / capacity), ties broken
 *   round-robin so equal workers share the work.
 * - A worker whose task just failed (transient, unknown outcome or worker-fatal) is passed
 *   over for `cooldownMs` as long as any other candidate is not cooling down.
 * - It learns from `observe(events$)`, asks the pool for only the two event types it reads
 *   (`events`), and forgets a worker on `worker-removed`, so its state stays bounded.
 * - One pass over the candidates per pick: O(candidates), no allocation.
 */
export function primaryFirst(options: PrimaryFirstOptions = {}): InspectableStrategy {
  const tier = options.tier ?? 'primary';
  const cooldownMs = options.cooldownMs ?? 5000;
  if (!(Number.isFinite(cooldownMs) && cooldownMs >= 0))
    throw new RangeError(`primaryFirst: cooldownMs must be a finite number ≥ 0 (got ${cooldownMs})`);
  const clock = options.clock ?? { now: () => Date.now() };
  /** Worker id → clock time its cooldown ends. Only workers that failed recently are here. */
  const coolingUntil = new Map<string, number>();
  let turn = 0;

  // Lower is better: [cooling?, overflow tier?, relative load, round-robin distance].
  const better = (
    a: WorkerView,
    b: WorkerView,
    now: number,
    start: number,
    n: number,
    ia: number,
    ib: number,
  ) => {
    const ca = (coolingUntil.get(a.id) ?? 0) > now ? 1 : 0;
    const cb = (coolingUntil.get(b.id) ?? 0) > now ? 1 : 0;
    if (ca !== cb) return ca < cb;
    const ta = a.capabilities.has(tier) ? 0 : 1;
    const tb = b.capabilities.has(tier) ? 0 : 1;
    if (ta !== tb) return ta < tb;
    const la = load(a);
    const lb = load(b);
    if (la !== lb) return la < lb;
    return (ia - start + n) % n < (ib - start + n) % n;
  };

  return {
    name: 'primary-first',
    events: ['task-failed', 'worker-removed'],
    select(_task: TaskView, candidates: Candidates): WorkerView | undefined {
      const n = candidates.length;
      if (n === 0) return undefined;
      const now = clock.now();
      const start = turn % n;
      let best = candidates[0]!;
      let bestIndex = 0;
      for (let i = 1; i < n; i++) {
        const w = candidates[i]!;
        if (better(w, best, now, start, n, i, bestIndex)) {
          best = w;
          bestIndex = i;
        }
      }
      turn = (turn + 1) % 1_000_000_007;
      return best;
    },
    observe(events$: Observable<LoadEvent>): Unsubscribable {
      return events$
        .pipe(filter((e) => e.type === 'task-failed' || e.type === 'worker-removed'))
        .subscribe((e) => {
          if (e.type === 'worker-removed') coolingUntil.delete(e.worker);
          else if (e.type === 'task-failed' && e.failure !== 'permanent' && e.failure !== 'rate-limited')
            // A rate limit already sends the worker to backoff; a permanent failure is the task's fault.
            coolingUntil.set(e.worker, e.at + cooldownMs);
        });
    },
    trackedWorkers(): string[] {
      return [...coolingUntil.keys()];
    },
  };
}

/** inFlight / capacity; a worker with no capacity counts as full (never NaN). */
function load(w: WorkerView): number {
  return w.capacity > 0 ? w.inFlight / w.capacity : Number.POSITIVE_INFINITY;
}
