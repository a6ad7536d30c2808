import type { FailureKind } from './types.js';

/** Base class of every error Switchyard throws; `code` is stable for programs to branch on. */
export class SwitchyardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad options or input. Nothing was started or sent. */
export class ValidationError extends SwitchyardError {
  /** Dotted path of the offending field, e.g. `limits.scrape` or `task.priority`. */
  readonly field: string;
  readonly reason: string;
  /** Every problem found, when there is more than one. */
  readonly issues: readonly { readonly field: string; readonly reason: string }[];
  constructor(issues: readonly { readonly field: string; readonly reason: string }[]) {
    const first = issues[0] ?? { field: '(input)', reason: 'invalid' };
    const rest = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('E_VALIDATION', `${first.field}: ${first.reason}${rest}`);
    this.field = first.field;
    this.reason = first.reason;
    this.issues = issues;
  }
}

/** The task failed for good: its failure was permanent, or its retries or rate-limit budget ran out. */
export class TaskFailedError extends SwitchyardError {
  readonly failure: FailureKind;
  readonly attempts: number;
  readonly taskId: number;
  constructor(taskId: number, failure: FailureKind, attempts: number, cause: unknown, why: string) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(
      'E_TASK_FAILED',
      `task ${taskId} failed (${failure}, ${why}) after ${attempts} attempt(s): ${msg}`,
      {
        cause,
      },
    );
    this.failure = failure;
    this.attempts = attempts;
    this.taskId = taskId;
  }
}

/** The task's own signal aborted it, or `cancelWorkerTasks` / `close({ drain: false })` did. */
export class TaskCancelledError extends SwitchyardError {
  readonly taskId: number;
  constructor(taskId: number, why: string, cause?: unknown) {
    super(
      'E_TASK_CANCELLED',
      `task ${taskId} cancelled: ${why}`,
      cause === undefined ? undefined : { cause },
    );
    this.taskId = taskId;
  }
}

/** The task's `timeoutMs` budget ran out. */
export class TaskTimeoutError extends SwitchyardError {
  readonly taskId: number;
  readonly timeoutMs: number;
  constructor(taskId: number, timeoutMs: number) {
    super('E_TASK_TIMEOUT', `task ${taskId} timed out after ${timeoutMs} ms`);
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
}

/** One run exceeded `attemptTimeoutMs`. It is classified like any other error (transient by default). */
export class AttemptTimeoutError extends SwitchyardError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('E_ATTEMPT_TIMEOUT', `run exceeded attemptTimeoutMs (${timeoutMs} ms)`);
    this.timeoutMs = timeoutMs;
  }
}

/** The pool is closed (or closing) and takes no new work. */
export class PoolClosedError extends SwitchyardError {
  constructor(what = 'the pool is closed') {
    super('E_POOL_CLOSED', what);
  }
}

/** No worker with that id. */
export class UnknownWorkerError extends SwitchyardError {
  readonly workerId: string;
  constructor(workerId: string) {
    super('E_UNKNOWN_WORKER', `no worker with id ${JSON.stringify(workerId)}`);
    this.workerId = workerId;
  }
}

/** The journal of durable batches cannot be used: its file is missing, unreadable, foreign or newer. */
export class JournalOpenError extends SwitchyardError {
  /** The journal's file. */
  readonly path: string;
  constructor(path: string, why: string, cause?: unknown) {
    super('E_JOURNAL_OPEN', `journal ${path}: ${why}`, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}

/** A batch is held by another live process, or by another open in this one. Nothing was run. */
export class JournalLeaseError extends SwitchyardError {
  readonly batchId: string;
  constructor(batchId: string, holder: string) {
    super('E_JOURNAL_LEASE', `batch "${batchId}" is already open in ${holder}; close it there first`);
    this.batchId = batchId;
  }
}

/** A batch exists with other content (or an item with another payload): a resume must run the same work. */
export class JournalMismatchError extends SwitchyardError {
  readonly batchId: string;
  /** What differs: `kind`, `content` or `item`. */
  readonly differs: 'kind' | 'content' | 'item';
  constructor(batchId: string, differs: 'kind' | 'content' | 'item', detail: string) {
    super('E_JOURNAL_MISMATCH', `batch "${batchId}" exists with another ${differs}: ${detail}`);
    this.batchId = batchId;
    this.differs = differs;
  }
}

/** An item state change that the journal's rules forbid (a final state never changes). */
export class JournalTransitionError extends SwitchyardError {
  readonly batchId: string;
  readonly key: string;
  constructor(batchId: string, key: string, from: string, to: string, why: string) {
    super('E_JOURNAL_TRANSITION', `batch "${batchId}", item "${key}": ${from} → ${to} refused: ${why}`);
    this.batchId = batchId;
    this.key = key;
  }
}
