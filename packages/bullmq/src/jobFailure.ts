import { TaskCancelledError, TaskFailedError, TaskTimeoutError } from '@switchyard/core';

/** How a consumer records a job whose task failed. */
export interface JobFailure {
  /** The error's own string `code` (that of its cause first), else `E_JOB_FAILED`. */
  readonly code: string;
  readonly message: string;
  /**
   * Whether BullMQ may run the job again (within its `attempts`): only when a second run cannot
   * repeat an effect, i.e. the failure is one the pool classes as not having taken effect
   * (transient, rate-limited, worker-fatal), or the task is idempotent.
   */
  readonly retry: boolean;
}

const UNCODED = 'E_JOB_FAILED';

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(code) ? code : undefined;
}

/**
 * The policy for a failed job, a pure function of the task's error. The pool has already spent
 * its own retries: what is left is whether another run, perhaps on another node, is safe.
 */
export function jobFailure(error: unknown, idempotent: boolean): JobFailure {
  const message = error instanceof Error ? error.message : String(error);
  const code = codeOf((error as { cause?: unknown } | null)?.cause) ?? codeOf(error) ?? UNCODED;
  let retry: boolean;
  if (error instanceof TaskFailedError)
    retry =
      error.failure === 'transient' ||
      error.failure === 'rate-limited' ||
      error.failure === 'worker-fatal' ||
      (error.failure === 'unknown-outcome' && idempotent);
  // A run that timed out or was cancelled may have had its effect.
  else if (error instanceof TaskTimeoutError || error instanceof TaskCancelledError) retry = idempotent;
  // The job itself is wrong (no handler for its name, a handler that threw): another run fails too.
  else retry = false;
  return { code, message, retry };
}

/** A failure as BullMQ keeps it (`failedReason`): `CODE: message`. */
export function failedReasonText(failure: JobFailure): string {
  return `${failure.code}: ${failure.message}`;
}

/** Reads back a `failedReason`; one not written by a consumer (BullMQ's own) gets `E_JOB_FAILED`. */
export function parseFailedReason(text: string): { readonly code: string; readonly reason: string } {
  const m = /^([A-Za-z][A-Za-z0-9_]*): ([\s\S]*)$/.exec(text);
  return m === null ? { code: UNCODED, reason: text } : { code: m[1] as string, reason: m[2] as string };
}
