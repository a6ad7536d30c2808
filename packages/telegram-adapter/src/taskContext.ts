import type { Clock, Pool } from '@switchyard/core';
import type { TelegramSession } from './clientLike.js';
import type { DailyQuota } from './dailyQuota.js';
import type { BigInteger } from './deliver.js';
import type { TelegramErrorClass } from './telegramErrorClass.js';

/** What the per-item task builders need from the manager that owns them. */
export interface TaskContext {
  readonly pool: Pool<TelegramSession>;
  readonly clock: Clock;
  readonly newRandomId: () => BigInteger;
  readonly requestTimeoutMs: number;
  readonly scrapeQuota: DailyQuota;
  /** Side effects that need the session: restrictions, dead sessions, dropped connections. */
  onSessionError(session: string, cls: TelegramErrorClass): void;
}
