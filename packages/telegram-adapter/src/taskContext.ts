import type { Clock, Pool } from '@switchyard/core';
import type { TelegramSession } from './clientLike.js';
import type { DailyQuota } from './dailyQuota.js';
import type { BigInteger } from './deliver.js';

/**
 * What the per-item task builders need from the manager that owns them. Their tasks' `run`
 * only talks to Telegram; what an error means for the session is decided by the pool's
 * `classify` (see `judgeFailure`), never inside a run.
 */
export interface TaskContext {
  readonly pool: Pool<TelegramSession>;
  readonly clock: Clock;
  readonly newRandomId: () => BigInteger;
  readonly requestTimeoutMs: number;
  readonly scrapeQuota: DailyQuota;
  /** Aborts, with a `SessionLostError`, once the session is declared dead and its client destroyed. */
  readonly lifeline: (session: string) => AbortSignal;
}
