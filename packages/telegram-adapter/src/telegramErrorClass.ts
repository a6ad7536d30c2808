import { AttemptTimeoutError } from '@switchyard/core';
import { FloodWaitError, RPCError, SlowModeWaitError } from 'telegram/errors/index.js';

/**
 * What a Telegram error means for the pool, following the table in TELEGRAM.md.
 * Classified by the real GramJS classes first (`instanceof`), then by the raw
 * `errorMessage` — never by substrings of `message`.
 */
export type TelegramErrorClass =
  /** Back off this session for exactly `retryAfterMs`. */
  | { readonly type: 'flood-wait'; readonly retryAfterMs: number }
  /** Hold this chat (the task), not the session. */
  | { readonly type: 'slow-mode'; readonly retryAfterMs: number }
  /** The session loses `capability` for a long time; the item may move to another session. */
  | { readonly type: 'session-limited'; readonly capability: string; readonly code: string }
  /** The session is dead for good. */
  | { readonly type: 'session-dead'; readonly code: string }
  /** This target can never succeed: fail the item only. */
  | { readonly type: 'target'; readonly code: string }
  /** `RANDOM_ID_DUPLICATE`: an earlier attempt with this randomId already sent the message. */
  | { readonly type: 'already-sent' }
  /**
   * Server hiccup or network drop: retry with backoff. `sent: 'maybe'` means the request may
   * already have reached Telegram, so a send may only be repeated with the same randomId on
   * the same session.
   */
  | { readonly type: 'transient'; readonly code: string; readonly sent: 'no' | 'maybe' }
  /** Anything else. Not retried blindly: the default for an error we do not understand is to stop. */
  | { readonly type: 'unrecognised'; readonly code: string };

/** Capability a session needs to message users it has no chat with. */
export const SEND_TO_STRANGERS = 'send-to-strangers';
/** Capability a session needs to join groups and channels. */
export const JOIN = 'join';

const sessionLimited: Readonly<Record<string, string>> = {
  PEER_FLOOD: SEND_TO_STRANGERS,
  // USER_RESTRICTED is Telegram's "spam-reported" flag: the same cure as PEER_FLOOD.
  USER_RESTRICTED: SEND_TO_STRANGERS,
  CHANNELS_TOO_MUCH: JOIN,
};

const sessionDead = new Set([
  'AUTH_KEY_UNREGISTERED',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
  'AUTH_KEY_DUPLICATED',
  'PHONE_NUMBER_BANNED',
]);

const targetErrors = new Set([
  'USER_PRIVACY_RESTRICTED',
  'USERNAME_NOT_OCCUPIED',
  'USERNAME_INVALID',
  'CHAT_WRITE_FORBIDDEN',
  'USER_IS_BLOCKED',
  'YOU_BLOCKED_USER',
  'INPUT_USER_DEACTIVATED',
  'PEER_ID_INVALID',
  'CHANNEL_PRIVATE',
  'CHANNEL_INVALID',
  'INVITE_HASH_EXPIRED',
  'INVITE_HASH_INVALID',
  'CHAT_ADMIN_REQUIRED',
  'USER_BANNED_IN_CHANNEL',
  'CHAT_SEND_MEDIA_FORBIDDEN',
  'MESSAGE_TOO_LONG',
  'MEDIA_CAPTION_TOO_LONG',
  'PHOTO_SAVE_FILE_INVALID',
  // Also fatal for the item only, though not in the table: bad input that validation missed.
  'MESSAGE_EMPTY',
  'USER_ID_INVALID',
  'CHAT_ID_INVALID',
  'USERS_TOO_MUCH',
  'INVITE_REQUEST_SENT',
]);

const transientErrors = new Set(['RPC_CALL_FAIL', 'TIMEOUT', 'RPC_MCGET_FAIL', 'WORKER_BUSY_TOO_LONG_RETRY']);

/** Node socket errors and GramJS's own "not connected" errors: the request may or may not have left. */
const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/** The session flood wait applies: a wait of 0 s is still a wait (Telegram means "retry later", so 1 s). */
export function floodWaitMs(seconds: number): number {
  return Math.max(1, Math.floor(seconds)) * 1000;
}

const classified = new WeakMap<object, TelegramErrorClass>();

/**
 * The error's class, worked out once per error object: the pool's `classify`, the
 * RANDOM_ID_DUPLICATE check of a send and the error code of a result all read the same verdict.
 */
export function telegramErrorClassOf(error: unknown): TelegramErrorClass {
  if (typeof error !== 'object' || error === null) return classifyTelegramError(error);
  let cls = classified.get(error);
  if (cls === undefined) {
    cls = classifyTelegramError(error);
    classified.set(error, cls);
  }
  return cls;
}

export function classifyTelegramError(error: unknown): TelegramErrorClass {
  if (error instanceof FloodWaitError)
    return { type: 'flood-wait', retryAfterMs: floodWaitMs(error.seconds) };
  if (error instanceof SlowModeWaitError)
    return { type: 'slow-mode', retryAfterMs: floodWaitMs(error.seconds) };
  if (error instanceof RPCError) {
    const code = error.errorMessage;
    if (code === 'RANDOM_ID_DUPLICATE') return { type: 'already-sent' };
    const capability = sessionLimited[code];
    if (capability !== undefined) return { type: 'session-limited', capability, code };
    if (sessionDead.has(code)) return { type: 'session-dead', code };
    if (targetErrors.has(code)) return { type: 'target', code };
    if (transientErrors.has(code) || (error.code !== undefined && error.code >= 500)) {
      return { type: 'transient', code, sent: 'maybe' };
    }
    return { type: 'unrecognised', code };
  }
  if (error instanceof AttemptTimeoutError)
    return { type: 'transient', code: 'ATTEMPT_TIMEOUT', sent: 'maybe' };
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (typeof errno === 'string' && networkCodes.has(errno)) {
      return { type: 'transient', code: errno, sent: 'maybe' };
    }
    // GramJS has no classes for these, only these exact messages (client/users.js and
    // network/connection/Connection.js in 2.26). The first is thrown before anything is sent.
    if (error.message.startsWith('Cannot send requests while disconnected')) {
      return { type: 'transient', code: 'DISCONNECTED', sent: 'no' };
    }
    if (error.message === 'Not connected') return { type: 'transient', code: 'NOT_CONNECTED', sent: 'maybe' };
    // Name resolution fails before anything is sent, with plain Errors (client/users.js):
    // the target does not exist, so the item fails with the code Telegram itself would use.
    if (/^No user has ".*" as username$/s.test(error.message))
      return { type: 'target', code: 'USERNAME_NOT_OCCUPIED' };
    if (/^Cannot find any entity corresponding to ".*"$/s.test(error.message)) {
      return { type: 'target', code: 'PEER_ID_INVALID' };
    }
    if (error.message.startsWith('Could not find the input entity for'))
      return { type: 'target', code: 'PEER_ID_INVALID' };
  }
  return { type: 'unrecognised', code: error instanceof Error ? error.name : typeof error };
}
