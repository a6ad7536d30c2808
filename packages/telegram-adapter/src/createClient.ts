import { TelegramClient } from 'telegram';
import type { TelegramClientParams } from 'telegram/client/telegramBaseClient.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { z } from 'zod';
import { parseOrThrow } from './parseOrThrow.js';

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

const optionsSchema = z
  .object({
    apiId: z
      .number({ error: 'apiId must be a number' })
      .int('apiId must be an integer')
      .positive('apiId must be positive'),
    apiHash: z.string({ error: 'apiHash must be a string' }).min(1, 'apiHash is required'),
    connectionRetries: z
      .number({ error: 'connectionRetries must be a number' })
      .int('connectionRetries must be a whole number')
      .nonnegative('connectionRetries must be ≥ 0')
      .optional(),
    // GramJS's own parameters, passed through as they are.
    params: z.record(z.string(), z.unknown()).optional(),
  } satisfies Record<keyof CreateClientOptions, unknown>)
  // A misspelt key is an error rather than a setting silently left at GramJS's default.
  .strict();

/**
 * A GramJS client set up for a pool:
 * - `floodSleepThreshold: 0`, so every flood wait reaches the scheduler instead of GramJS
 *   sleeping through it with the session looking busy;
 * - a finite `connectionRetries`;
 * - `autoReconnect: false`, because the connection supervisor reconnects with backoff and
 *   jitter on the injected clock. GramJS 2.26 stores the flag but does not honour it, so the
 *   manager also destroys a dead session's client itself;
 * - GramJS's own console logger silenced (it prints on construction); we log through pino.
 */
export function createTelegramClient(sessionString: string, options: CreateClientOptions): TelegramClient {
  parseOrThrow(optionsSchema, options, 'options');
  return new TelegramClient(new StringSession(sessionString), options.apiId, options.apiHash, {
    ...options.params,
    floodSleepThreshold: 0,
    connectionRetries: options.connectionRetries ?? 3,
    autoReconnect: false,
    baseLogger: options.params?.baseLogger ?? new Logger(LogLevel.NONE),
  });
}
