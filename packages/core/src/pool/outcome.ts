import { backoffDelay } from '../backoff.js';
import type { Failure, Random, RetryOptions } from '../types.js';

/** What the outcome policy needs to know of the failed task. */
export interface OutcomeTask {
  readonly idempotent: boolean;
  readonly retry: RetryOptions;
  /** Transient and unknown-outcome retries spent before this failure. */
  readonly retriesUsed: number;
  /** Rate-limit waits spent before this failure, in ms. */
  readonly rateLimitWaitMs: number;
  /** Whether the task is pinned to the worker it failed on (an earlier unknown outcome there). */
  readonly pinnedHere: boolean;
}

/** What the outcome policy needs to know of the worker the task failed on. */
export interface OutcomeWorker {
  /**
   * It will not run this task again: dead or being removed, or (for a task pinned to it) without
   * a capability the task requires.
   */
  readonly gone: boolean;
}

/** What to do after a failed run. The pool carries it out; nothing here has side effects. */
export interface Decision {
  /** Whether the task runs again. */
  readonly retry: boolean;
  /** Why it does not (for the rejection's message). */
  readonly why: string;
  /**
   * The failure the task is rejected with when it does not run again: the failure itself, except
   * that a task whose earlier outcome is unknown (pinned here) and then runs out of transient or
   * rate-limit retries is still `unknown-outcome` (its effect may have happened). A permanent
   * answer is definitive and kept.
   */
  readonly failAs: Failure['kind'];
  /**
   * Wait before the task is queued again, in ms: 0 only for moves to another worker (the worker
   * it failed on is backing off or dead, so this cannot loop); every other retry waits at least
   * 1 ms, so retries always yield to the event loop and a timeout can fire in between.
   */
  readonly waitMs: number;
  /** Whether the next run counts as a new attempt (rate-limit requeues do not). */
  readonly newAttempt: boolean;
  /** Pin the task to this worker: its effect may have happened here. */
  readonly pin: boolean;
  /** Put the worker into backoff for this long. */
  readonly backoffWorkerMs: number | undefined;
  /** The worker is dead. */
  readonly killWorker: boolean;
  /** The task's counters after this failure. */
  readonly retriesUsed: number;
  readonly rateLimitWaitMs: number;
}

const MIN_WAIT_MS = 1;

/**
 * The pool's failure policy as a pure function: given the classified failure, the task and the
 * worker, decide whether and how the task runs again. `random` draws the retry jitter.
 */
export function decideOutcome(
  failure: Failure,
  task: OutcomeTask,
  worker: OutcomeWorker,
  random: Random,
): Decision {
  const base = {
    retry: true,
    why: '',
    failAs: failure.kind === 'permanent' || !task.pinnedHere ? failure.kind : 'unknown-outcome',
    waitMs: 0,
    newAttempt: true,
    pin: false,
    backoffWorkerMs: undefined,
    killWorker: false,
    retriesUsed: task.retriesUsed,
    rateLimitWaitMs: task.rateLimitWaitMs,
  } satisfies Decision;
  const pinnedToGone = task.pinnedHere && worker.gone;
  switch (failure.kind) {
    case 'rate-limited': {
      // A zero wait still counts toward the budget, so endless zero-length limits end.
      const waited = task.rateLimitWaitMs + Math.max(MIN_WAIT_MS, failure.retryAfterMs);
      const taskScope = failure.scope === 'task';
      const within = waited <= task.retry.maxRateLimitWaitMs;
      return {
        ...base,
        retry: within && !pinnedToGone,
        why: pinnedToGone ? pinnedGoneWhy : 'rate-limit waits exceeded maxRateLimitWaitMs',
        waitMs: taskScope ? Math.max(MIN_WAIT_MS, failure.retryAfterMs) : 0,
        newAttempt: false,
        backoffWorkerMs: taskScope ? undefined : failure.retryAfterMs,
        rateLimitWaitMs: waited,
      };
    }
    case 'transient': {
      const used = task.retriesUsed + 1;
      return {
        ...base,
        retry: used <= task.retry.retries && !pinnedToGone,
        why: pinnedToGone ? pinnedGoneWhy : 'retries exhausted',
        waitMs: retryWait(used, task.retry, random),
        retriesUsed: used,
      };
    }
    case 'unknown-outcome': {
      const used = task.retriesUsed + 1;
      return {
        ...base,
        retry: task.idempotent && used <= task.retry.retries && !worker.gone,
        why: task.idempotent ? 'retries exhausted or its worker is gone' : 'the task is not idempotent',
        waitMs: retryWait(used, task.retry, random),
        pin: true,
        retriesUsed: used,
      };
    }
    case 'worker-fatal':
      // A task pinned here after an unknown outcome must not move: its effect may have happened here.
      return {
        ...base,
        retry: !task.pinnedHere,
        why: pinnedGoneWhy,
        killWorker: true,
      };
    default:
      return { ...base, retry: false, why: 'permanent' };
  }
}

export const pinnedGoneWhy = 'its earlier outcome is unknown and its worker cannot run it again';

/** The transient retry schedule: p-retry's formula, at least 1 ms. */
export function retryWait(retry: number, options: RetryOptions, random: Random): number {
  const ms = backoffDelay(
    retry,
    {
      minMs: options.minTimeoutMs,
      maxMs: options.maxTimeoutMs,
      factor: options.factor,
      jitter: options.randomize ? 'double' : 'none',
    },
    random,
  );
  return Math.max(MIN_WAIT_MS, ms);
}

export const defaultRetry: RetryOptions = {
  retries: 3,
  minTimeoutMs: 1000,
  maxTimeoutMs: 30_000,
  factor: 2,
  randomize: true,
  // A task may wait out rate limits for at most 15 minutes in total before it fails.
  maxRateLimitWaitMs: 15 * 60_000,
};
