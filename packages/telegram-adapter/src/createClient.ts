import { TelegramClient } from 'telegram';
import type { TelegramClientParams } from 'telegram/client/telegramBaseClient.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';

export interface CreateClientOptions {
  readonly apiId: number;
  readonly apiHash: string;
  /**
   * Attempts per `connect()`. GramJS defaults to Infinity, which can loop forever; our
   * connection supervisor retries with backoff instead.
   */
  readonly connectionRetries?: number;
  /** Extra GramJS parameters; the safety settings below always win. */
  readonly params?: TelegramClientParams;
}

/**
 * A GramJS client set up for a pool:
 * - `floodSleepThreshold: 0`, so every flood wait reaches the scheduler instead of GramJS
 *   sleeping through it with the session looking busy;
 * - a finite `connectionRetries`;
 * - `autoReconnect: false`, because the connection supervisor reconnects with backoff and
 *   jitter on the injected clock and must never revive a dead session;
 * - GramJS's own console logger silenced (it prints on construction); we log through pino.
 */
export function createTelegramClient(sessionString: string, options: CreateClientOptions): TelegramClient {
  return new TelegramClient(new StringSession(sessionString), options.apiId, options.apiHash, {
    ...options.params,
    floodSleepThreshold: 0,
    connectionRetries: options.connectionRetries ?? 3,
    autoReconnect: false,
    baseLogger: options.params?.baseLogger ?? new Logger(LogLevel.NONE),
  });
}
