import type { Failure, WorkerSnapshot } from '@switchyard/core';

/** What the routing needs of the item that met a flood wait. */
export interface FloodWaitedTask {
  readonly requires: readonly string[];
  readonly antiAffinity: readonly string[];
  /** The one session the item may run on (an earlier attempt's outcome is unknown there). */
  readonly pinnedTo: string | undefined;
}

/** What the routing needs of the fleet, after the flooded session was backed off. */
export interface FleetView {
  readonly now: number;
  readonly workers: readonly Pick<
    WorkerSnapshot,
    'id' | 'state' | 'backoffUntil' | 'capabilities' | 'removing'
  >[];
  /** Clock time a held capability comes back (see CapabilityHolds); undefined when not held. */
  heldUntil(worker: string, capability: string): number | undefined;
}

/**
 * How long the item must wait before some session can take it: 0 when one is free now, else
 * the soonest end of a session's flood wait (backoff) or capability hold. Disconnected and
 * departing sessions do not count: nobody knows when they come back. Undefined when no
 * session could ever take the item.
 */
export function soonestSessionFor(task: FloodWaitedTask, fleet: FleetView): number | undefined {
  let soonest: number | undefined;
  for (const w of fleet.workers) {
    if (w.state === 'disconnected' || w.removing || task.antiAffinity.includes(w.id)) continue;
    if (task.pinnedTo !== undefined && w.id !== task.pinnedTo) continue;
    let at = w.state === 'backoff' ? (w.backoffUntil ?? fleet.now) : fleet.now;
    let able = true;
    for (const capability of task.requires) {
      if (w.capabilities.includes(capability)) continue;
      const until = fleet.heldUntil(w.id, capability);
      if (until === undefined) able = false;
      else at = Math.max(at, until);
    }
    if (able) soonest = Math.min(soonest ?? Number.POSITIVE_INFINITY, Math.max(0, at - fleet.now));
  }
  return soonest;
}

/**
 * The pool's Failure for an item that met `FLOOD_WAIT` on one session, once that session has
 * been backed off for the wait. The wait belongs to the session, not to the item: the item is
 * requeued for as long as it must really wait for *some* session (nothing when another is
 * free), and only that counts against its rate-limit budget (`retry.maxRateLimitWaitMs`,
 * 15 minutes). So a 20-minute flood wait on one session moves the item to another, and the
 * item fails only when no session can take it within its budget.
 */
export function floodWaitRoute(task: FloodWaitedTask, fleet: FleetView, floodWaitMs: number): Failure {
  const waitMs = soonestSessionFor(task, fleet) ?? floodWaitMs;
  return { kind: 'rate-limited', retryAfterMs: waitMs, scope: 'task', code: 'FLOOD_WAIT' };
}
