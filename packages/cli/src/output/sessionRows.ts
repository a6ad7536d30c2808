import { type SessionState as FleetState, sessionState } from '@switchyard/dashboard';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';

/** A session's state as the live view names it (the dashboard's, in an operator's words). */
export type SessionState =
  | 'idle'
  | 'sending'
  | 'busy'
  | 'flood-wait'
  | 'restricted'
  | 'connecting'
  | 'dead'
  | 'refused';

const NAMES: Readonly<Record<FleetState, SessionState>> = {
  idle: 'idle',
  sending: 'sending',
  busy: 'busy',
  backoff: 'flood-wait',
  restricted: 'restricted',
  reconnecting: 'connecting',
  dead: 'dead',
  refused: 'refused',
};

/** A session as the live view shows it. */
export interface SessionRow {
  readonly name: string;
  readonly state: SessionState;
  /** Wall-clock ms its flood wait ends, while it waits. */
  readonly floodWaitUntil?: number;
  readonly inFlight: number;
  readonly capacity: number;
}

/**
 * Every session's row, from one snapshot of the manager (no secrets in it). A session is
 * `restricted` when it lost one of the capabilities the command `needs` (the dashboard's rule).
 */
export function sessionRows(manager: TelegramSessionManager, needs: readonly string[]): SessionRow[] {
  const snapshot = manager.snapshot();
  const workers = new Map(snapshot.pool.workers.map((w) => [w.id, w]));
  return snapshot.sessions.map((info) => {
    const w = workers.get(info.name);
    const state = NAMES[sessionState(info, w, needs)];
    return {
      name: info.name,
      state,
      inFlight: w?.inFlight ?? 0,
      capacity: w?.capacity ?? 0,
      ...(state === 'flood-wait' && w?.backoffUntil !== undefined ? { floodWaitUntil: w.backoffUntil } : {}),
    };
  });
}
