import { SwitchyardError, TaskCancelledError, TaskFailedError } from '@switchyard/core';
import { telegramErrorClassOf } from './telegramErrorClass.js';

/**
 * A short, secret-free reason: Telegram's error code (`PEER_FLOOD`, `SOME_NEW_ERROR`), or a
 * stable code of ours (`E_NO_CONNECTED_SESSION`). Never an error's whole text: GramJS's
 * messages name the request, and other errors may quote a peer or a secret.
 */
export function errorCode(error: unknown): string {
  let e: unknown = error;
  if (e instanceof TaskFailedError && e.cause !== undefined) e = e.cause;
  // An item the manager cancelled (nothing could serve it) reports the manager's reason.
  if (e instanceof TaskCancelledError && e.cause instanceof SwitchyardError) e = e.cause;
  const cls = telegramErrorClassOf(e);
  switch (cls.type) {
    case 'flood-wait':
      return 'FLOOD_WAIT';
    case 'slow-mode':
      return 'SLOWMODE_WAIT';
    case 'already-sent':
      return 'RANDOM_ID_DUPLICATE';
    default:
      return cls.code;
  }
}
