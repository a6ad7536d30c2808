import {
  type Clock,
  type Journal,
  type Random,
  type RetryOptions,
  type Strategy,
  ValidationError,
} from '@switchyard/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type CampaignJournalOption, isJournal } from './campaign.js';
import type { TelegramSessionSpec } from './clientLike.js';
import type { ReconnectOptions } from './connectionSupervisor.js';
import type { BigInteger } from './deliver.js';
import type { OperationKind } from './operationKinds.js';
import { parseOrThrow } from './parseOrThrow.js';
import type { StrategyName } from './strategyName.js';

export interface TelegramSessionManagerOptions {
  /** The sessions: `[{ name, client, api? }]` (see `loadSessionsFromFolder` / `loadSessionsFromEnv`, and `TelegramSessionSpec` for clients of other GramJS-family libraries such as teleproto). */
  sessions: readonly TelegramSessionSpec[];
  /** A built-in strategy by name (`'p2c-peak-ewma'`, …) or any `Strategy`. Default `'round-robin'`. */
  strategy?: StrategyName | Strategy;
  /** Concurrent tasks per kind across all sessions. Default `{ scraping: 5 }`. */
  limits?: Partial<Record<OperationKind, number>>;
  /** Tasks one session runs at once (monitoring counts). Default 4. */
  sessionCapacity?: number;
  /** Default delay between two sends of one session. Default 2000 ms. */
  delayMs?: number;
  /**
   * Sends per second across the whole fleet, however many sessions it has. Default 30, Telegram's
   * broadcast guidance for bots; user accounts' limits are unpublished, so stay at or below it.
   */
  fleetSendsPerSecond?: number;
  /** How long `PEER_FLOOD` / `USER_RESTRICTED` / `CHANNELS_TOO_MUCH` take a capability away. Default 12 h. */
  restrictionMs?: number;
  /** Scrapes per session per UTC day: one number for all, or by session name. Default 100. */
  dailyScrapeQuota?: number | Readonly<Record<string, number>>;
  /** Budget for one Telegram request (GramJS's invoke can wait forever). Default 60 s. */
  requestTimeoutMs?: number;
  /** Budget for one media send, upload included. Default 10 min. */
  uploadTimeoutMs?: number;
  /** Retries for transient failures. */
  retry?: Partial<RetryOptions>;
  /** Reconnect backoff. */
  reconnect?: ReconnectOptions;
  /**
   * Budget for one `connect()`: one that has not finished by then counts as failed and is
   * retried with the reconnect backoff (GramJS's can stall for ever). Default 30 s.
   */
  connectTimeoutMs?: number;
  /** Connect the clients on start and disconnect them on shutdown. Default true; false when the caller manages connections. */
  connect?: boolean;
  /** Premium accounts may send files up to 4 GB. */
  premium?: boolean;
  /**
   * Most messages a monitored chat back-fills from history at once: after a failover or
   * reconnect, or to fill a gap in the updates Telegram pushed. History is paged (100 per
   * request) down to the last delivered message; when more than this were missed, the newest
   * `backfillLimit` are delivered and the first of them carries `gapBefore`. Default 1000.
   */
  backfillLimit?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Source of `randomId`s. Default: GramJS's cryptographically random longs. */
  randomId?: () => BigInteger;
  /**
   * Where campaigns (bulk sends given `{ campaign }`) are recorded so they survive a crash: a
   * SQLite file path (created on first use; its folder must exist and be writable), `{ path,
   * synchronous }` (`'normal'`, the default, survives a crash or kill of the process; `'full'`
   * also a power loss), or a `Journal` from `@switchyard/core` (e.g. `MemoryJournal`). A file
   * that cannot be opened throws core's `JournalOpenError` here. A file journal is closed by
   * `shutdown()`; a `Journal` object given here is left open for its owner.
   */
  journal?: CampaignJournalOption;
  /**
   * Run this manager as one node of several sharing a Redis (see the README, "More than one
   * machine"): `{ redis, node, claimTtlMs?, prefix? }`. Each session is claimed in Redis before it
   * connects, so a session is never connected from two nodes: one claimed by another live node is
   * refused (not connected; `getSessionInfo(name).claim` says by whom).
   */
  cluster?: ClusterOptions;
}

export interface ClusterOptions {
  /** The shared Redis: a `redis://` or `rediss://` URL. */
  readonly redis: string;
  /**
   * This node's id, unique among the live nodes and the same across its restarts: a node that
   * restarts takes its own sessions' claims back at once (letters, digits, `_ . -`; 1–64).
   */
  readonly node: string;
  /**
   * How long a session's claim outlives its node's last renewal, in ms (renewed every third of
   * it). Default 15 000: a node that dies without coming back frees its sessions this long after.
   */
  readonly claimTtlMs?: number;
  /** Put before every key the cluster writes. Default `switchyard:`. */
  readonly prefix?: string;
  /**
   * How long, in ms, a campaign item whose send may have left on a session stays bound to it
   * while no node holds that session's claim, before it is reported `unknown` (never sent from
   * another session). Default 300 000 (5 min), so a node's restart is not taken for its loss.
   */
  readonly unknownAfterMs?: number;
  /**
   * How long a campaign item taken by this node stays locked to it without a renewal, in ms
   * (renewed every half of it), and how often this node looks for items whose lock lapsed (their
   * node was killed) to give them back. Default 30 000: a killed node's items are taken again
   * about one to two `lockMs` after it died. At least 1 000.
   */
  readonly lockMs?: number;
}

const positiveInt = (what: string) =>
  z.number().int(`${what} must be an integer`).positive(`${what} must be positive`);
const nonNegative = (what: string) =>
  z.number().finite(`${what} must be finite`).nonnegative(`${what} must be ≥ 0`);

const optionsSchema = z
  .object({
    sessions: z.array(z.unknown()),
    strategy: z.unknown().optional(),
    limits: z
      .object({
        sending: positiveInt('a limit').optional(),
        scraping: positiveInt('a limit').optional(),
        monitoring: positiveInt('a limit').optional(),
        other: positiveInt('a limit').optional(),
      })
      .strict()
      .optional(),
    sessionCapacity: positiveInt('sessionCapacity').optional(),
    delayMs: nonNegative('delayMs').optional(),
    fleetSendsPerSecond: z.number().finite().positive('fleetSendsPerSecond must be positive').optional(),
    restrictionMs: nonNegative('restrictionMs').optional(),
    dailyScrapeQuota: z
      .union([nonNegative('a quota'), z.record(z.string(), nonNegative('a quota'))])
      .optional(),
    requestTimeoutMs: positiveInt('requestTimeoutMs').optional(),
    uploadTimeoutMs: positiveInt('uploadTimeoutMs').optional(),
    // The values are checked by the pool, which owns them; the keys here, so a misspelt one is caught.
    retry: z
      .object({
        retries: z.unknown().optional(),
        minTimeoutMs: z.unknown().optional(),
        maxTimeoutMs: z.unknown().optional(),
        factor: z.unknown().optional(),
        randomize: z.unknown().optional(),
        maxRateLimitWaitMs: z.unknown().optional(),
      } satisfies Record<keyof RetryOptions, unknown>)
      .strict()
      .optional(),
    reconnect: z
      .object({
        minDelayMs: positiveInt('minDelayMs'),
        maxDelayMs: positiveInt('maxDelayMs'),
        factor: z.number().min(1),
      })
      .strict()
      .optional(),
    connectTimeoutMs: positiveInt('connectTimeoutMs').optional(),
    connect: z.boolean().optional(),
    premium: z.boolean().optional(),
    backfillLimit: positiveInt('backfillLimit').optional(),
    clock: z.unknown().optional(),
    random: z.function().optional(),
    logger: z.unknown().optional(),
    randomId: z.function().optional(),
    journal: z
      .union(
        [
          z.string().min(1, 'must be a file path'),
          z
            .object({
              path: z.string().min(1, 'must be a file path'),
              synchronous: z.enum(['normal', 'full'], { error: "must be 'normal' or 'full'" }).optional(),
            })
            .strict(),
          z.custom<Journal>(isJournal),
        ],
        { error: 'must be a file path, { path, synchronous } or a Journal' },
      )
      .optional(),
    cluster: z
      .object({
        redis: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
        node: z
          .string()
          .min(1, 'a node id is required')
          .max(64, 'a node id is at most 64 characters')
          .regex(/^[A-Za-z0-9_.-]+$/, 'a node id has only letters, digits, _ . and -'),
        // Redis's time to live runs on real time; under 1 s a GC pause could lapse a claim.
        claimTtlMs: z
          .number()
          .int('claimTtlMs must be an integer')
          .min(1000, 'claimTtlMs must be ≥ 1000')
          .optional(),
        prefix: z.string().max(200, 'prefix is at most 200 characters').optional(),
        unknownAfterMs: z
          .number()
          .int('unknownAfterMs must be an integer')
          .nonnegative('unknownAfterMs must be ≥ 0')
          .optional(),
        // Also real time in Redis: a lock shorter than a GC pause or a slow round trip could lapse
        // under a node that is alive, and its item be taken by another.
        lockMs: z.number().int('lockMs must be an integer').min(1000, 'lockMs must be ≥ 1000').optional(),
      } satisfies Record<keyof ClusterOptions, unknown>)
      .strict()
      .optional(),
  } satisfies Record<keyof TelegramSessionManagerOptions, unknown>)
  // An unknown key (a misspelt option, or one of a feature not built yet) is an error, not ignored.
  .strict();

/** Check the options' shape; sessions and strategy are checked by their own validators. */
export function checkManagerOptions(options: unknown): TelegramSessionManagerOptions {
  parseOrThrow(optionsSchema, options, 'options');
  const checked = options as TelegramSessionManagerOptions;
  if (checked.cluster !== undefined && checked.connect === false)
    throw new ValidationError([
      {
        field: 'options.connect',
        reason: 'must not be false with cluster: a node connects a session only once it holds its claim',
      },
    ]);
  if (checked.cluster !== undefined && checked.journal !== undefined)
    throw new ValidationError([
      {
        field: 'options.journal',
        reason: "must not be given with cluster: a cluster's campaigns are kept in its Redis",
      },
    ]);
  return checked;
}
