import { AttemptTimeoutError } from '@switchyard/core';
import { FloodWaitError, RPCError, SlowModeWaitError } from 'telegram/errors/index.js';
import { SessionLostError } from './adapterErrors.js';

/**
 * What a Telegram error means for the pool, following the table in TELEGRAM.md.
 * Classified by what Telegram said — the error's `errorMessage`, `code` and `seconds` — so a
 * client whose error classes are its own (teleproto) is understood like GramJS; `instanceof`
 * against GramJS's classes is only a shortcut. Never by substrings of `message`.
 */
export type TelegramErrorClass =
  /** Back off this session for exactly `retryAfterMs`. */
  | { readonly type: 'flood-wait'; readonly retryAfterMs: number }
  /** Hold this chat (the task), not the session. */
  | { readonly type: 'slow-mode'; readonly retryAfterMs: number }
  /** The session loses `capability` for a long time; the item may move to another session. */
  | { readonly type: 'session-limited'; readonly capability: string; readonly code: string }
  /**
   * `FROZEN_METHOD_INVALID`: Telegram froze the account; it may still read, but every capability
   * that writes (sending, joining, scraping) goes for a long time, and the item moves on.
   */
  | { readonly type: 'session-frozen'; readonly code: string }
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
  // A +phone recipient no account can be found by (or reach through ImportContacts).
  'PHONE_NOT_OCCUPIED',
  'PHONE_NUMBER_INVALID',
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

/** Telegram's answer to any write from a frozen account. */
const FROZEN = 'FROZEN_METHOD_INVALID';

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

/**
 * Record that `error` ended an attempt before its request was handed to the client (a send
 * cut off while it was still resolving its peer or uploading its file): a transient error then
 * says nothing left (`sent: 'no'`), so the item may move to another session.
 */
export function endedBeforeSending(error: unknown): void {
  if (typeof error !== 'object' || error === null) return;
  const cls = telegramErrorClassOf(error);
  if (cls.type === 'transient' && cls.sent !== 'no') classified.set(error, { ...cls, sent: 'no' });
}

/** What every Telegram RPC error carries, whichever library built it. */
interface RpcFields {
  /** Telegram's error string (`PEER_FLOOD`), or GramJS's `FLOOD` for its flood classes. */
  readonly errorMessage: string;
  /** The HTTP-like code: 400, 401, 420, 500… */
  readonly code: number | undefined;
  /** The wait of a flood or slow-mode error. */
  readonly seconds: number | undefined;
  readonly name: string;
}

/** A Telegram RPC error's fields, each read once, judged by the fields rather than the class. */
function rpcFieldsOf(error: unknown): RpcFields | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { errorMessage?: unknown; code?: unknown; seconds?: unknown };
  const errorMessage = e.errorMessage;
  if (typeof errorMessage !== 'string') return undefined;
  const code = e.code;
  const seconds = e.seconds;
  return {
    errorMessage,
    code: typeof code === 'number' ? code : undefined,
    seconds: typeof seconds === 'number' ? seconds : undefined,
    name: error instanceof RPCError ? error.constructor.name : error.name,
  };
}

/** `FLOOD_WAIT_30` / `FLOOD_PREMIUM_WAIT_7` / `SLOWMODE_WAIT_5`, when a client left the wire string as it was. */
const WAIT_ON_THE_WIRE = /^(FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_(\d+)$/;

/** A flood or slow-mode wait, from GramJS's classes, their look-alikes, or the raw wire string. */
function waitOf(error: unknown, rpc: RpcFields): TelegramErrorClass | undefined {
  // GramJS's own classes: the shortcut.
  if (error instanceof FloodWaitError)
    return { type: 'flood-wait', retryAfterMs: floodWaitMs(error.seconds) };
  if (error instanceof SlowModeWaitError)
    return { type: 'slow-mode', retryAfterMs: floodWaitMs(error.seconds) };
  const wire = WAIT_ON_THE_WIRE.exec(rpc.errorMessage);
  if (wire !== null) {
    const retryAfterMs = floodWaitMs(Number(wire[2]));
    return wire[1] === 'SLOWMODE_WAIT'
      ? { type: 'slow-mode', retryAfterMs }
      : { type: 'flood-wait', retryAfterMs };
  }
  // GramJS's flood classes (and teleproto's copies of them) replace the wire string with
  // `FLOOD` and keep the wait in `seconds`; only the class name tells a chat's slow mode apart.
  if (rpc.errorMessage === 'FLOOD' && rpc.seconds !== undefined) {
    const retryAfterMs = floodWaitMs(rpc.seconds);
    return rpc.name === 'SlowModeWaitError'
      ? { type: 'slow-mode', retryAfterMs }
      : { type: 'flood-wait', retryAfterMs };
  }
  return undefined;
}

export function classifyTelegramError(error: unknown): TelegramErrorClass {
  const rpc = rpcFieldsOf(error);
  if (rpc !== undefined) {
    const wait = waitOf(error, rpc);
    if (wait !== undefined) return wait;
    const code = rpc.errorMessage;
    if (code === 'RANDOM_ID_DUPLICATE') return { type: 'already-sent' };
    if (code === FROZEN) return { type: 'session-frozen', code };
    const capability = sessionLimited[code];
    if (capability !== undefined) return { type: 'session-limited', capability, code };
    if (sessionDead.has(code)) return { type: 'session-dead', code };
    if (targetErrors.has(code)) return { type: 'target', code };
    if (transientErrors.has(code) || (rpc.code !== undefined && rpc.code >= 500)) {
      return { type: 'transient', code, sent: 'maybe' };
    }
    return { type: 'unrecognised', code };
  }
  if (error instanceof AttemptTimeoutError)
    return { type: 'transient', code: 'ATTEMPT_TIMEOUT', sent: 'maybe' };
  if (error instanceof SessionLostError) return { type: 'transient', code: error.code, sent: 'maybe' };
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
    // GramJS's invoke retries a server error (TIMEOUT, RPC_CALL_FAIL, any 500) by itself, and
    // after `requestRetries` tries (5) throws this: any of those tries may have been carried out.
    if (/^Request was unsuccessful \d+ time\(s\)$/.test(error.message)) {
      return { type: 'transient', code: 'REQUEST_RETRIES_EXHAUSTED', sent: 'maybe' };
    }
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
  return { type: 'unrecognised', code: stableCodeOf(error) };
}

/**
 * A short code for an error nobody recognised: its own string `code` (`E_SOMETHING`, `EPROTO`),
 * else its class name. Never its message, which may carry a request, a peer or a secret.
 */
function stableCodeOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const own = (error as { code?: unknown }).code;
  return typeof own === 'string' && own.length > 0 ? own : error.name;
}
