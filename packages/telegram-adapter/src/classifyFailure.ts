import type { Failure, TaskView } from '@switchyard/core';
import { SwitchyardError } from '@switchyard/core';
import { QuotaExhaustedError } from './adapterErrors.js';
import { type TelegramErrorClass, telegramErrorClassOf } from './telegramErrorClass.js';

/**
 * What a failed attempt means for the session that ran it. The manager applies it through
 * its capability holds and connection supervisor when the pool classifies the failure; a
 * task's `run` never touches the pool itself.
 */
export type SessionEffect =
  /** `PEER_FLOOD`, `USER_RESTRICTED`, `CHANNELS_TOO_MUCH`: take `capability` away for `restrictionMs`. */
  | { readonly type: 'restrict'; readonly capability: string; readonly code: string }
  /** `FROZEN_METHOD_INVALID`: take every capability away for `restrictionMs`. */
  | { readonly type: 'freeze'; readonly code: string }
  /** The session has used its daily scrape quota: take `scrape` away until the UTC day ends. */
  | { readonly type: 'quota-exhausted' }
  /** Revoked, unregistered, banned…: the session is dead for good. */
  | { readonly type: 'dead'; readonly code: string }
  /** GramJS says the client is not connected: report it and reconnect with backoff. */
  | { readonly type: 'disconnected'; readonly code: string };

/** One failed attempt, classified once: what the pool does with the task, and what happens to the session. */
export interface Verdict {
  readonly failure: Failure;
  readonly effect: SessionEffect | undefined;
}

/** Classify a failed attempt of a task of `kind` (the one place a task's error is classified). */
export function judgeFailure(error: unknown, kind: string | undefined): Verdict {
  // Requeue at once: the session loses its scrape capability, so another session takes it.
  if (error instanceof QuotaExhaustedError) {
    return {
      failure: { kind: 'rate-limited', retryAfterMs: 0, scope: 'task' },
      effect: { type: 'quota-exhausted' },
    };
  }
  // Our own typed errors (validation, …) are never worth a retry.
  if (error instanceof SwitchyardError && error.code !== 'E_ATTEMPT_TIMEOUT') {
    return { failure: { kind: 'permanent' }, effect: undefined };
  }
  const cls = telegramErrorClassOf(error);
  return { failure: failureOf(cls, kind), effect: effectOf(cls) };
}

/** The pool's `Failure` for an error, without the session effect (for tests and tools). */
export function classifyFailure(error: unknown, task?: Pick<TaskView, 'kind'>): Failure {
  return judgeFailure(error, task?.kind).failure;
}

export function failureOf(cls: TelegramErrorClass, kind: string | undefined): Failure {
  switch (cls.type) {
    case 'flood-wait':
      return { kind: 'rate-limited', retryAfterMs: cls.retryAfterMs, scope: 'worker' };
    case 'slow-mode':
      return { kind: 'rate-limited', retryAfterMs: cls.retryAfterMs, scope: 'task' };
    case 'session-limited':
    case 'session-frozen':
      // The session loses the capability (the effect, applied before the pool requeues), so the
      // requeued item can only go to a session that still has it. Requeueing costs no attempt.
      return { kind: 'rate-limited', retryAfterMs: 0, scope: 'task' };
    case 'session-dead':
      return { kind: 'worker-fatal' };
    case 'target':
    case 'unrecognised':
      return { kind: 'permanent' };
    case 'already-sent':
      // A send turns this into success itself; reaching here means "it happened".
      return { kind: 'permanent' };
    case 'transient':
      return kind === 'sending' && cls.sent === 'maybe' ? { kind: 'unknown-outcome' } : { kind: 'transient' };
  }
}

function effectOf(cls: TelegramErrorClass): SessionEffect | undefined {
  switch (cls.type) {
    case 'session-limited':
      return { type: 'restrict', capability: cls.capability, code: cls.code };
    case 'session-frozen':
      return { type: 'freeze', code: cls.code };
    case 'session-dead':
      return { type: 'dead', code: cls.code };
    case 'transient':
      return cls.code === 'DISCONNECTED' || cls.code === 'NOT_CONNECTED'
        ? { type: 'disconnected', code: cls.code }
        : undefined;
    default:
      return undefined;
  }
}
