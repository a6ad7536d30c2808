import { SwitchyardError, TaskFailedError } from '@switchyard/core';
import { telegramErrorClassOf } from './telegramErrorClass.js';

/** A short, secret-free reason: the Telegram error code when there is one. */
export function errorCode(error: unknown): string {
  let e: unknown = error;
  if (e instanceof TaskFailedError && e.cause !== undefined) e = e.cause;
  const cls = telegramErrorClassOf(e);
  if (cls.type !== 'unrecognised' && 'code' in cls) return cls.code;
  if (cls.type === 'flood-wait' || cls.type === 'slow-mode')
    return cls.type === 'flood-wait' ? 'FLOOD_WAIT' : 'SLOWMODE_WAIT';
  if (e instanceof SwitchyardError) return e.code;
  return describeError(e);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
