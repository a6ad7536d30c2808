import { SwitchyardError } from '@switchyard/core';

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
