import type { WorkerSnapshot } from '@switchyard/core';
import { SEND_TO_STRANGERS, type SessionInfo } from '@switchyard/telegram-adapter';
import type { SessionState } from './wire.js';

/**
 * What a session must keep to count as able to work when the work is not named: sending to
 * users it has no chat with. A spam restriction (`PEER_FLOOD`, `USER_RESTRICTED`) takes it away,
 * and so does a freeze (which takes every capability).
 */
const SENDING: readonly string[] = [SEND_TO_STRANGERS];

/**
 * A session's state as a fleet view shows it, from its info (`manager.getSessionInfo(name)` or
 * an entry of `manager.snapshot().sessions`) and its pool worker (`manager.pool.getWorker(name)`
 * or `workerSnapshot(name)`). The first that holds wins: `refused` (another node of a cluster
 * holds it), `dead`, `reconnecting` (also while it has no worker), `backoff` (a flood wait),
 * `restricted`, `busy` (at capacity), `sending` (something in flight), else `idle`.
 *
 * `restricted` means the session lost a capability the work `needs`: by default
 * `send-to-strangers` (taken by a spam restriction or a freeze). Losing a capability the work
 * does not use leaves the session working: one whose daily scrape quota ran out (`scrape` held
 * until midnight) still sends, and shows by its load. Pass `needs` (e.g. `['scrape']` for a
 * scrape) when the view follows other work. `info.restricted` lists every capability held back,
 * whatever the state.
 */
export function sessionState(
  info: Pick<SessionInfo, 'connection' | 'restricted'>,
  worker: Pick<WorkerSnapshot, 'state' | 'substate' | 'inFlight'> | undefined,
  needs: readonly string[] = SENDING,
): SessionState {
  if (info.connection === 'refused') return 'refused';
  if (info.connection === 'dead' || worker?.substate === 'dead') return 'dead';
  if (info.connection === 'reconnecting' || worker === undefined || worker.state === 'disconnected')
    return 'reconnecting';
  if (worker.state === 'backoff') return 'backoff';
  if (needs.some((capability) => info.restricted[capability] !== undefined)) return 'restricted';
  if (worker.state === 'busy') return 'busy';
  return worker.inFlight > 0 ? 'sending' : 'idle';
}
