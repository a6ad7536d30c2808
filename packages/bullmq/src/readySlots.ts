import type { LoadEvent, LoadEventType, PoolSnapshot } from '@switchyard/core';
import { filter, type Observable } from 'rxjs';

/**
 * How many more tasks needing `requires` the pool could start now: the free slots of workers
 * that are ready (`connected`: neither busy, in backoff, disconnected, being removed, nor ejected
 * outside panic mode) and have every capability, less the tasks already queued in the pool
 * (they take those slots first). 0 while the pool is paused or closed.
 */
export function readySlots(snapshot: PoolSnapshot, requires: readonly string[]): number {
  if (snapshot.paused || snapshot.closed) return 0;
  let free = 0;
  for (const w of snapshot.workers) {
    if (w.state !== 'connected' || w.removing) continue;
    if (w.ejectedUntil !== undefined && !snapshot.ejection.panic) continue;
    if (requires.some((c) => !w.capabilities.includes(c))) continue;
    free += Math.max(0, w.capacity - w.inFlight);
  }
  return Math.max(0, free - snapshot.queued);
}

/** The events after which `readySlots` may have grown. */
const CAPACITY_EVENTS: ReadonlySet<LoadEventType> = new Set<LoadEventType>([
  'worker-added',
  'worker-updated',
  'worker-state',
  'task-succeeded',
  'task-failed',
  'task-cancelled',
  'panic-mode',
]);

/** The pool's events after which its ready capacity may have grown: a consumer waiting for room looks again. */
export function capacityChanges(events$: Observable<LoadEvent>): Observable<LoadEvent> {
  return events$.pipe(filter((e) => CAPACITY_EVENTS.has(e.type)));
}
