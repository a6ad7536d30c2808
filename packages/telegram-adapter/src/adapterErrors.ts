import { SwitchyardError } from '@switchyard/core';

/**
 * The session has used its daily quota. Internal: the pool's classify requeues the item for
 * another session at no cost, so a caller never sees it.
 */
export class QuotaExhaustedError extends SwitchyardError {
  readonly session: string;
  constructor(session: string) {
    super('E_QUOTA_EXHAUSTED', `session ${session} has used its daily quota`);
    this.session = session;
  }
}

/** No session can run the work: all of them are dead or removed. */
export class NoLiveSessionError extends SwitchyardError {
  constructor() {
    super('E_NO_LIVE_SESSION', 'no live session: every session is dead or removed');
  }
}

/** The manager has been shut down. */
export class ManagerShutDownError extends SwitchyardError {
  constructor() {
    super('E_SHUT_DOWN', 'the session manager has been shut down');
  }
}

/**
 * No session was connected for the whole of the wait budget: Telegram is unreachable from
 * every session, or every `connect()` hangs. Items still waiting fail with this code.
 */
export class NoConnectedSessionError extends SwitchyardError {
  readonly waitedMs: number;
  constructor(waitedMs: number) {
    super('E_NO_CONNECTED_SESSION', `no session could connect within ${waitedMs} ms`);
    this.waitedMs = waitedMs;
  }
}

/**
 * The session cannot see the group: it is given by its numeric id (`-100…` or `-chat`), and
 * neither the session's entity cache nor its dialogs hold it, so the session is not a member.
 * Its code is Telegram's own for the case, `CHANNEL_PRIVATE`.
 */
export class NotAGroupMemberError extends SwitchyardError {
  /** The group as the caller gave it. */
  readonly group: string;
  constructor(group: string) {
    super('CHANNEL_PRIVATE', `this session is not a member of group ${group}`);
    this.group = group;
  }
}

/**
 * The attempt's session was declared dead (revoked, unregistered, banned) and its client
 * destroyed while the attempt ran. GramJS leaves a request in flight on a destroyed client
 * unanswered for ever, so the attempt ends with this instead. Internal: the pool's classify
 * moves the item to another session when its request had not yet been handed to the client,
 * and treats its outcome as unknown otherwise.
 */
export class SessionLostError extends Error {
  readonly code = 'SESSION_LOST';
  readonly session: string;
  constructor(session: string) {
    super(`session ${session} was declared dead while the attempt ran`);
    this.name = 'SessionLostError';
    this.session = session;
  }
}
