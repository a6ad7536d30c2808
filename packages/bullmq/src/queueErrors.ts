import { SwitchyardError } from '@switchyard/core';

/** A queue's Redis did not answer at start. The message names the queue and the URL, never its password. */
export class QueueConnectError extends SwitchyardError {
  readonly queue: string;
  /** Where Redis was looked for, without a password. */
  readonly where: string;
  constructor(queue: string, where: string, why: string, cause?: unknown) {
    super('E_QUEUE_CONNECT', `queue "${queue}" at ${where}: ${why}`, { cause });
    this.queue = queue;
    this.where = where;
  }
}

/**
 * A job of an `enqueue` failed for good on whichever consumer ran it. `code` is the failure's
 * code as the consumer recorded it (the error's own `code`, e.g. `FLOOD_WAIT`, or
 * `E_TASK_FAILED`); `E_JOB_FAILED` when BullMQ failed the job itself (it stalled too often).
 */
export class JobFailedError extends SwitchyardError {
  readonly jobId: string;
  /** The item's key in its batch. */
  readonly key: string;
  /** The consumer's message, without the code. */
  readonly reason: string;
  constructor(jobId: string, key: string, code: string, reason: string) {
    super(code, `job ${jobId} failed: ${reason}`);
    this.jobId = jobId;
    this.key = key;
    this.reason = reason;
  }
}

/**
 * The reason a running job's task is aborted when its lock could not be renewed (its consumer
 * was paused, or Redis out of reach, past `lockDurationMs`): the stalled-job check may have given
 * the job to another consumer, which runs it from then on. The task's `TaskCancelledError` has it
 * as its `cause`; a `JobTask`'s `settle` that sees it leaves the job's effects to that consumer.
 */
export class JobLockLostError extends SwitchyardError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('E_JOB_LOCK_LOST', `the lock of job ${jobId} was lost; another consumer may run it`);
    this.jobId = jobId;
  }
}

/** Leases' Redis did not answer, or the leases were closed. The message names the URL, never its password. */
export class LeaseConnectError extends SwitchyardError {
  /** Where Redis was looked for, without a password. */
  readonly where: string;
  constructor(where: string, why: string, cause?: unknown) {
    super('E_LEASE_CONNECT', `leases at ${where}: ${why}`, cause === undefined ? undefined : { cause });
    this.where = where;
  }
}
