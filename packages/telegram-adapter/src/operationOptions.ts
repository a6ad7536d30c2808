import { z } from 'zod';
import type { MemberFormat } from './memberExport.js';
import { parseOrThrow } from './parseOrThrow.js';

export interface BulkSendOptions {
  /** Delay between two sends of one session. Default: the manager's `delayMs`. */
  delayMs?: number;
  /** true (default): invalid recipients are skipped with a reason. false: any invalid recipient rejects the whole call and nothing is sent. */
  skipInvalid?: boolean;
  signal?: AbortSignal;
  /**
   * Record this send as a campaign with this id (1–200 characters) in the manager's `journal`,
   * so it survives a crash: calling again with the same id and the same content (text or media,
   * caption, recipient list, `skipInvalid`) resumes it and sends only to those not yet sent;
   * different content throws a `ValidationError` naming `campaign`. Needs the manager's
   * `journal`. See `resumeCampaign`.
   */
  campaign?: string;
  /**
   * For recipients given as a stream: most recipients read ahead of the sends that have
   * settled (queued, waiting for their session's pacing, or sending). A whole number from 1 to
   * 1,000,000. Default 1000. Memory stays flat however long the stream is.
   */
  highWaterMark?: number;
}

export interface MediaSendOptions extends BulkSendOptions {
  caption?: string;
}

export interface ScrapeGroupOptions {
  /** Default 10,000. */
  maxMembers?: number;
  /** Go past the ~10,000-per-filter cap by repeating the search with letters and digits. */
  deepSearch?: boolean;
  /** Also write the members to this file. */
  output?: { path: string; format: MemberFormat };
  signal?: AbortSignal;
}

export interface BulkScrapeOptions {
  maxMembers?: number;
  deepSearch?: boolean;
  /** Join each group first (needed for invite links). Default false for `bulkScrapeGroups`, true for the rotation variant. */
  join?: boolean;
  /** Write `<group>.csv|jsonl` files here. */
  outputDir?: string;
  format?: MemberFormat;
  /** Delay between two scrapes of one session. */
  delayMs?: number;
  signal?: AbortSignal;
  /**
   * Record these scrapes as a campaign with this id (1–200 characters) in the manager's
   * `journal`: each group's result, its join, and the page its scrape reached. Calling again
   * with the same id, groups and options resumes it: finished groups are read from the journal,
   * joined groups are not joined again, and an interrupted scrape continues from its page with
   * the members it had (no duplicates). Different groups or options throw a `ValidationError`
   * naming `campaign`. Needs the manager's `journal`.
   */
  campaign?: string;
}

// Every schema is strict: an unknown key (a misspelt option, or one of a feature not built
// yet) is a ValidationError naming it, never silently ignored.
const delayMs = z
  .number({ error: 'must be a number' })
  .finite('must be a finite number ≥ 0')
  .nonnegative('must be a finite number ≥ 0');
const signal = z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal');
const maxMembers = z
  .number({ error: 'must be a number' })
  .int('must be a positive integer')
  .positive('must be a positive integer');
const format = z.enum(['csv', 'jsonl'], { error: 'must be csv or jsonl' });

const bulkSendShape = {
  delayMs: delayMs.optional(),
  skipInvalid: z.boolean().optional(),
  signal: signal.optional(),
  // Its type and length are checked by checkCampaignId, with the reason a journal is needed.
  campaign: z.unknown().optional(),
  // Its range is checked by core's checkProcessArgs, as for pool.process.
  highWaterMark: z.number({ error: 'must be a number' }).optional(),
};

const bulkSendSchema = z.object(bulkSendShape).strict();
// The caption's type and length are checked by validateCaption, the one place that knows Telegram's limit.
const mediaSendSchema = z.object({ ...bulkSendShape, caption: z.unknown().optional() }).strict();

const scrapeGroupSchema = z
  .object({
    maxMembers: maxMembers.optional(),
    deepSearch: z.boolean().optional(),
    output: z
      .object({ path: z.string().min(1, 'a file path is required'), format })
      .strict()
      .optional(),
    signal: signal.optional(),
  })
  .strict();

const bulkScrapeSchema = z
  .object({
    maxMembers: maxMembers.optional(),
    deepSearch: z.boolean().optional(),
    join: z.boolean().optional(),
    outputDir: z.string().min(1, 'a folder is required').optional(),
    format: format.optional(),
    delayMs: delayMs.optional(),
    signal: signal.optional(),
    campaign: z.unknown().optional(),
  })
  .strict();

/** A check that throws a ValidationError naming each bad or unknown key, and returns the caller's object. */
const checker =
  <T>(schema: z.ZodType) =>
  (options: unknown): T => {
    parseOrThrow(schema, options, 'options');
    return options as T;
  };

/** Check `sendTextMessagesBulk`'s options. */
export const checkBulkSendOptions = checker<BulkSendOptions>(bulkSendSchema);
/** Check `sendMediaMessagesBulk`'s options. */
export const checkMediaSendOptions = checker<MediaSendOptions>(mediaSendSchema);
/** Check `scrapeGroupMembers` / `joinAndScrapeGroup`'s options. */
export const checkScrapeGroupOptions = checker<ScrapeGroupOptions>(scrapeGroupSchema);
/** Check `bulkScrapeGroups` / `safeBulkScrapeWithRotation`'s options. */
export const checkBulkScrapeOptions = checker<BulkScrapeOptions>(bulkScrapeSchema);
