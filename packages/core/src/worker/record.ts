import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Actor, SnapshotFrom } from 'xstate';
import { WorkerStatsTracker } from '../pool/stats.js';
import type { WorkerState, WorkerView } from '../types.js';
import type { WorkerMachine } from './machine.js';

/**
 * The pool's record of one worker, and the `WorkerView` strategies see. State and in-flight
 * count are read from the actor's current snapshot, never copied. `releasing` is 1 only during
 * the synchronous hand-off after a task finishes: the slot counts as free while the pool asks
 * the strategy for the next task, so a worker that takes the next task straight away keeps its
 * slot with no actor event at all (its in-flight count and state do not change), instead of
 * TASK_FINISHED then TASK_STARTED.
 */
export class WorkerRecord<R, Task> implements WorkerView {
  readonly id: string;
  readonly resource: R;
  readonly addedAt: number;
  readonly actor: Actor<WorkerMachine>;
  readonly log: Logger;
  readonly stats = new WorkerStatsTracker();
  /** Tasks running on this worker. */
  readonly running = new Set<Task>();
  /** Tasks that may only run here (unknown-outcome retries). */
  readonly pinned = new Set<Task>();
  snap: SnapshotFrom<WorkerMachine>;
  capabilities: ReadonlySet<string>;
  weight: number;
  readySince: number;
  releasing: 0 | 1 = 0;
  removing = false;
  /** Position in the pool's ready index, -1 when not ready. */
  readyPos = -1;
  /** Stamp of the last filtered candidate list this worker was put in. */
  mark = 0;
  /** Per pace key: earliest clock time the next such task may start here. */
  paceNext: Map<string, number> | undefined;
  /** Signal shared by this worker's runs that have no signal or timeout of their own. */
  sharedAbort = sharedController();
  whenRemoved: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    id: string,
    resource: R,
    capabilities: readonly string[],
    weight: number,
    now: number,
    actor: Actor<WorkerMachine>,
    log: Logger,
  ) {
    this.id = id;
    this.resource = resource;
    this.capabilities = new Set(capabilities);
    this.weight = weight;
    this.addedAt = now;
    this.readySince = now;
    this.actor = actor;
    this.snap = actor.getSnapshot();
    this.log = log;
  }

  get state(): WorkerState {
    const v = this.snap.value;
    if (typeof v !== 'string') return 'disconnected';
    if (v === 'busy' && this.releasing === 1) return 'connected';
    return v as WorkerState;
  }

  get inFlight(): number {
    return this.snap.context.inFlight - this.releasing;
  }

  get capacity(): number {
    return this.snap.context.capacity;
  }

  get dead(): boolean {
    const v = this.snap.value;
    return typeof v !== 'string' && (v as { disconnected?: string }).disconnected === 'dead';
  }
}

/**
 * A controller whose signal every concurrent run of one worker may listen to (an HTTP request,
 * a fetch): up to `capacity` listeners at once is expected, not a leak, so Node's warning after
 * ten is turned off for it.
 */
export function sharedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
