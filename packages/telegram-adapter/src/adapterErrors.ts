import { SwitchyardError } from '@switchyard/core';

/**
 * A send whose outcome was unknown on one session came back on another. Sending it there
 * could deliver it twice, so the item fails instead (at most once beats at least once).
 */
export class OutcomeUnknownError extends SwitchyardError {
  readonly session: string;
  constructor(recipient: string, session: string) {
    super(
      'E_OUTCOME_UNKNOWN',
      `the send to ${recipient} may already have gone out from ${session}; not resent`,
    );
    this.session = session;
  }
}

/** The session has used its daily quota; the item goes back to the queue for another session. */
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
