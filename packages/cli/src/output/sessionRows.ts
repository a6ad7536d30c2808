import type { TelegramSessionManager } from '@switchyard/telegram-adapter';

export type SessionState = 'idle' | 'sending' | 'busy' | 'flood-wait' | 'restricted' | 'connecting' | 'dead';

/** A session as the live view shows it. */
export interface SessionRow {
  readonly name: string;
  readonly state: SessionState;
  /** Wall-clock ms its flood wait ends, while it waits. */
  readonly floodWaitUntil?: number;
  readonly inFlight: number;
  readonly capacity: number;
}

/** Every session's row, from one snapshot of the manager (no secrets in it). */
export function sessionRows(manager: TelegramSessionManager): SessionRow[] {
  const snapshot = manager.snapshot();
  const workers = new Map(snapshot.pool.workers.map((w) => [w.id, w]));
  return snapshot.sessions.map((info) => {
    const w = workers.get(info.name);
    const base = { name: info.name, inFlight: w?.inFlight ?? 0, capacity: w?.capacity ?? 0 };
    if (info.connection === 'dead') return { ...base, state: 'dead' };
    if (w === undefined || w.state === 'disconnected') return { ...base, state: 'connecting' };
    if (w.state === 'backoff')
      return {
        ...base,
        state: 'flood-wait',
        ...(w.backoffUntil === undefined ? {} : { floodWaitUntil: w.backoffUntil }),
      };
    if (Object.keys(info.restricted).length > 0) return { ...base, state: 'restricted' };
    if (w.state === 'busy') return { ...base, state: 'busy' };
    return { ...base, state: w.inFlight > 0 ? 'sending' : 'idle' };
  });
}
