import type { TaskOutcome } from '@switchyard/bullmq';
import { type Failure, TaskCancelledError, type TaskSpec } from '@switchyard/core';
import type { TelegramSession } from './clientLike.js';
import { type FleetView, soonestSessionFor } from './floodWaitRoute.js';

type ItemTask = TaskSpec<TelegramSession, unknown>;

interface Held {
  readonly task: ItemTask;
  /** Whether the journal has the item `pending`, as this node last wrote or read it. */
  readonly pending: () => boolean;
  /** Its task's own signal: aborted, the pool cancels the task wherever it waits. */
  readonly controller: AbortController;
  /**
   * Steps of a run the pool has not finished yet: each run adds two, taken back when its
   * promise rejects and when the pool classifies its failure (a run that succeeds keeps them
   * until the task settles). Above 0 the item may be sending, and is never withdrawn.
   */
  unfinished: number;
  withdrawn: boolean;
}

/** One cluster item in this node's pool, as the queue consumer submits and settles it. */
export interface HeldItem {
  /** The task to submit: its runs are counted, so it is never withdrawn while it may be sending. */
  readonly task: ItemTask;
  /** Whether the task ended because the item went back to the queue (nothing to record). */
  wentBack(outcome: TaskOutcome): boolean;
  /** The task has settled: forget it. */
  release(): void;
}

/** Why a task was cancelled: its item went back to the cluster's queue. */
const WENT_BACK = new Error(
  'the item went back to the cluster queue: no session of this node can send it soon',
);

/**
 * The cluster items in this node's pool, and which go back to the cluster's queue: after a
 * failure that keeps sessions from sending (a flood wait backs one off, PEER_FLOOD takes its
 * capability, a dead session goes), every item still `pending` in the journal, not running,
 * that no session of this node can start now is withdrawn from the pool, so that another node's
 * sessions may take it. Its job is put off (see ClusterCampaigns), not failed. The item that met
 * the failure is one of them: a refusal left it `pending` (the journal forgot its attempt).
 */
export class ClusterHandBacks {
  readonly #held = new Set<Held>();
  readonly #byTask = new Map<number, Held>();

  /** Track an item's task until it settles. `controller` must be the task's own signal's. */
  hold(task: ItemTask, pending: () => boolean, controller: AbortController): HeldItem {
    const held: Held = { task, pending, controller, unfinished: 0, withdrawn: false };
    this.#held.add(held);
    let taskId: number | undefined;
    const run = task.run;
    return {
      task: {
        ...task,
        run: async (ctx) => {
          taskId = ctx.taskId;
          this.#byTask.set(ctx.taskId, held);
          held.unfinished += 2;
          try {
            return await run(ctx);
          } catch (error) {
            held.unfinished--;
            throw error;
          }
        },
      },
      wentBack: (outcome) =>
        held.withdrawn && 'error' in outcome && outcome.error instanceof TaskCancelledError,
      release: () => {
        this.#held.delete(held);
        if (taskId !== undefined) this.#byTask.delete(taskId);
      },
    };
  }

  /**
   * The pool's classification of a failed attempt (of any task of this node) is `failure`: after
   * one that keeps sessions from sending, withdraw the items this node cannot send soon. The
   * failed task's own Failure is returned, changed to a wait of 0 when its item goes back.
   */
  classified(taskId: number, failure: Failure, fleet: () => FleetView): Failure {
    const failed = this.#byTask.get(taskId);
    if (failed !== undefined) failed.unfinished = Math.max(0, failed.unfinished - 1);
    if (failure.kind !== 'rate-limited' && failure.kind !== 'worker-fatal') return failure;
    const going: Held[] = [];
    let view: FleetView | undefined;
    for (const held of this.#held) {
      if (held.withdrawn || held.unfinished > 0 || !held.pending()) continue;
      view ??= fleet();
      const task = held.task;
      const soonest = soonestSessionFor(
        { requires: task.requires ?? [], antiAffinity: task.antiAffinity ?? [], pinnedTo: task.pinnedTo },
        view,
      );
      if (soonest === 0) continue;
      held.withdrawn = true;
      going.push(held);
    }
    if (going.length === 0) return failure;
    // Once the pool has acted on this failure: cancelling a task while the pool classifies a
    // failure (its own or another's) would change the pool under its feet. A microtask runs
    // before any timer, so the failed task is still waiting out its requeue then.
    queueMicrotask(() => {
      for (const held of going) {
        if (held.unfinished > 0) held.withdrawn = false;
        else held.controller.abort(WENT_BACK);
      }
    });
    // It leaves this pool at once: it waits for no session here, and spends none of its budget.
    return failed !== undefined && going.includes(failed) && failure.kind === 'rate-limited'
      ? { ...failure, retryAfterMs: 0 }
      : failure;
  }
}
