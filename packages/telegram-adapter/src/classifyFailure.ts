import type { Failure, TaskView } from '@switchyard/core';
import { SwitchyardError } from '@switchyard/core';
import { QuotaExhaustedError } from './adapterErrors.js';
import { classifyTelegramError, type TelegramErrorClass } from './telegramErrorClass.js';

/**
 * The pool's `classify`: maps a Telegram error onto a core `Failure`. Side effects that
 * need the session (taking a capability away, marking a session dead) happen where the
 * error is caught in the task's run, which knows the session; this function stays pure.
 */
export function classifyFailure(error: unknown, task?: Pick<TaskView, 'kind'>): Failure {
  // Requeue at once: the session's quota capability is already gone, so another session takes it.
  if (error instanceof QuotaExhaustedError) return { kind: 'rate-limited', retryAfterMs: 0, scope: 'task' };
  // Our own typed errors (validation, "outcome unknown elsewhere", …) are never worth a retry.
  if (error instanceof SwitchyardError && error.code !== 'E_ATTEMPT_TIMEOUT') return { kind: 'permanent' };
  return failureOf(classifyTelegramError(error), task?.kind);
}

export function failureOf(cls: TelegramErrorClass, kind: string | undefined): Failure {
  switch (cls.type) {
    case 'flood-wait':
      return { kind: 'rate-limited', retryAfterMs: cls.retryAfterMs, scope: 'worker' };
    case 'slow-mode':
      return { kind: 'rate-limited', retryAfterMs: cls.retryAfterMs, scope: 'task' };
    case 'session-limited':
      // The capability is already gone from the session, so the requeued item can only go to
      // a session that still has it. Requeueing costs no attempt.
      return { kind: 'rate-limited', retryAfterMs: 0, scope: 'task' };
    case 'session-dead':
      return { kind: 'worker-fatal' };
    case 'target':
    case 'unrecognised':
      return { kind: 'permanent' };
    case 'already-sent':
      // Handled where the send is made; reaching here means "it happened".
      return { kind: 'permanent' };
    case 'transient':
      return kind === 'sending' && cls.sent === 'maybe' ? { kind: 'unknown-outcome' } : { kind: 'transient' };
  }
}
