import type { BatchSpec, BatchStatus, Journal, JournalItem, JsonValue, OpenBatch } from '@switchyard/core';
import { JournalMismatchError, ValidationError } from '@switchyard/core';
import { SqliteJournal } from '@switchyard/core/sqlite';
import { returnBigInt } from 'telegram/Helpers.js';
import type { BigInteger } from './deliver.js';
import type { MessageResult } from './messageResult.js';
import { type FileOrigin, recipientsFromFile } from './recipientSource.js';
import type { GroupScrapeResult, JoinRecord, ScrapeState } from './scrapeGroupTask.js';
import type { Member } from './scrapeMembers.js';
import { UNKNOWN_OUTCOME } from './sendToRecipient.js';

/**
 * Where campaigns are recorded: a SQLite file (created on first use; its folder must exist),
 * `{ path, synchronous }` (`'full'` also survives a power loss, at an fsync per change), or a
 * `Journal` from `@switchyard/core` (for example `MemoryJournal` in tests).
 */
export type CampaignJournalOption =
  | string
  | { readonly path: string; readonly synchronous?: 'normal' | 'full' }
  | Journal;

/** A campaign as the journal describes it. */
export interface CampaignStatus {
  readonly id: string;
  /** `send-text`, `send-media`, `scrape` or `join-and-scrape`. */
  readonly kind: string;
  /** Items recorded (recipients as given, repeats counted once). */
  readonly total: number;
  /** Items finished successfully: messages sent, or (for a scrape campaign) groups scraped. */
  readonly sent: number;
  readonly failed: number;
  /** Invalid or duplicate recipients. */
  readonly skipped: number;
  /** Not finished yet (never tried, or interrupted while being tried): a resume continues them. */
  readonly pending: number;
  /** Sends whose outcome can no longer be learnt (their session was gone on resume). Never sent again. */
  readonly unknown: number;
  /** Clock time the campaign was created. */
  readonly startedAt: number;
  /** Clock time of its last change. */
  readonly updatedAt: number;
}

/** Campaign kinds, as recorded in the journal. */
export const SEND_TEXT = 'send-text';
export const SEND_MEDIA = 'send-media';

/** A send campaign's `source` when its recipients came from a stream (not stored: read again to resume). */
export const STREAM_SOURCE = 'stream';

/** What `attempting` records for a send: the request's `randomId` (decimal) and the resolved peer. */
export interface SendAttempt {
  readonly randomId: string;
  readonly peer: string | null;
}

export function isJournal(value: unknown): value is Journal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Journal).open === 'function' &&
    typeof (value as Journal).status === 'function' &&
    typeof (value as Journal).spec === 'function'
  );
}

/** Open the journal the manager was given; a bad path throws core's `JournalOpenError`. */
export function openJournal(
  option: CampaignJournalOption,
  now: () => number,
): {
  journal: Journal;
  owned: boolean;
} {
  if (isJournal(option)) return { journal: option, owned: false };
  const o = typeof option === 'string' ? { path: option } : option;
  return {
    journal: new SqliteJournal({
      path: o.path,
      now,
      ...(o.synchronous ? { synchronous: o.synchronous } : {}),
    }),
    owned: true,
  };
}

/** A campaign id: 1–200 characters. */
export function checkCampaignId(id: unknown, journal: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200)
    throw new ValidationError([{ field: 'campaign', reason: 'must be a string of 1–200 characters' }]);
  if (journal === undefined)
    throw new ValidationError([
      {
        field: 'campaign',
        reason:
          'needs a journal: give the manager `journal` (a file path) so the campaign can be recorded and resumed',
      },
    ]);
  return id;
}

/** Open (create or resume) a campaign's batch; different content is a ValidationError naming `campaign`. */
export async function openCampaign(
  journal: Journal,
  id: string,
  kind: string,
  content: JsonValue,
  /** Opened by every node of a cluster at once (`RedisJournal.openShared`). */
  shared = false,
): Promise<OpenBatch> {
  try {
    return await (shared
      ? (journal as Journal & { openShared(spec: BatchSpec): Promise<OpenBatch> }).openShared({
          id,
          kind,
          content,
        })
      : journal.open({ id, kind, content }));
  } catch (error) {
    if (error instanceof JournalMismatchError) {
      throw new ValidationError([
        {
          field: 'campaign',
          reason: `campaign ${JSON.stringify(id)} exists with another ${error.differs}; use a new id, or the same ${error.differs} to resume it`,
        },
      ]);
    }
    throw error;
  }
}

/** What the journal records of a recipient as given. */
export function payloadOf(raw: unknown): string | number {
  return typeof raw === 'number' || typeof raw === 'string' ? raw : String(raw);
}

/** The item's key: the recipient as given (as `checkRecipient` spells its input). */
export function keyOf(raw: unknown): string {
  return String(raw);
}

/** The longest key the journal keeps. */
const KEY_MAX = 1000;

/**
 * Whether the journal can key this recipient (1–1000 characters). One it cannot (an empty line, a
 * paragraph pasted by mistake) is never a valid recipient: it is skipped without being recorded.
 */
export function keyable(raw: unknown): boolean {
  const key = keyOf(raw);
  return key.length > 0 && key.length <= KEY_MAX;
}

/**
 * A campaign's counts from its journal batch's status (exported as `campaignStatusOf`, for tools
 * that read a journal without a manager, such as the switchyard command): `sent` is `done`, and
 * `pending` counts items mid-send too.
 */
export function campaignStatus(s: BatchStatus): CampaignStatus {
  return {
    id: s.id,
    kind: s.kind,
    total: s.total,
    sent: s.done,
    failed: s.failed,
    skipped: s.skipped,
    pending: s.pending + s.attempting,
    unknown: s.unknown,
    startedAt: s.startedAt,
    updatedAt: s.updatedAt,
  };
}

/** The `randomId` and session of an item left `attempting` (or `unknown` after an attempt). */
export function attemptOf(
  item: JournalItem,
): { session: string; randomId: BigInteger; peer: string | null } | undefined {
  const s = item.state;
  if (s.state !== 'attempting') return undefined;
  const a = s.attempt as unknown as SendAttempt;
  return { session: s.worker, randomId: returnBigInt(a.randomId), peer: a.peer };
}

/** The result of an item finished before this call, from the journal alone. */
export function resultFromJournal(item: JournalItem, duplicateOf?: string): MessageResult | undefined {
  const s = item.state;
  const base = { recipient: item.key, timestamp: item.updatedAt, fromJournal: true };
  switch (s.state) {
    case 'done': {
      const r = s.result as { sessionUsed?: unknown; attempts?: unknown };
      return {
        ...base,
        success: true,
        outcome: 'sent',
        sessionUsed: typeof r?.sessionUsed === 'string' ? r.sessionUsed : null,
        attempts: typeof r?.attempts === 'number' ? r.attempts : 0,
      };
    }
    case 'failed':
      return {
        ...base,
        success: false,
        outcome: 'failed',
        sessionUsed: null,
        error: s.code ?? s.reason,
        attempts: 0,
      };
    case 'skipped':
      return {
        ...base,
        success: false,
        outcome: 'skipped',
        sessionUsed: null,
        error: s.reason,
        attempts: 0,
        ...(duplicateOf === undefined ? {} : { duplicateOf }),
      };
    case 'unknown':
      return {
        ...base,
        success: false,
        outcome: 'unknown',
        sessionUsed: s.worker ?? null,
        error: UNKNOWN_OUTCOME,
        attempts: 0,
      };
    default:
      return undefined;
  }
}

const CODE = /^[A-Z0-9_]{1,64}$/;

/** Record a result that this call settled. Interrupted items are left as they are, for a resume. */
export async function recordResult(
  batch: OpenBatch,
  key: string,
  result: MessageResult,
  peer: string | undefined,
  attempt: { readonly session: string; readonly data: SendAttempt } | undefined,
  interrupted: boolean,
): Promise<void> {
  switch (result.outcome) {
    case 'sent':
      await batch.transition(key, {
        state: 'done',
        result: { sessionUsed: result.sessionUsed, attempts: result.attempts, peer: peer ?? null },
      });
      return;
    case 'skipped':
      await batch.transition(key, { state: 'skipped', reason: result.error ?? 'skipped' });
      return;
    case 'unknown':
      await batch.transition(key, {
        state: 'unknown',
        reason: result.error ?? UNKNOWN_OUTCOME,
        ...(attempt === undefined ? {} : { worker: attempt.session, attempt: { ...attempt.data } }),
      });
      return;
    case 'failed': {
      if (interrupted) return;
      const reason = result.error ?? 'failed';
      await batch.transition(
        key,
        CODE.test(reason) ? { state: 'failed', reason, code: reason } : { state: 'failed', reason },
      );
      return;
    }
  }
}

/**
 * Record the recipients as the campaign's items, in order (an item already recorded keeps its
 * state), and return them by key.
 */
export async function recordRecipients(
  batch: OpenBatch,
  recipients: readonly unknown[],
): Promise<Map<string, JournalItem>> {
  const out = new Map<string, JournalItem>();
  const seen = new Set<string>();
  const items: { key: string; payload: JsonValue }[] = [];
  for (const raw of recipients) {
    const key = keyOf(raw);
    if (seen.has(key) || !keyable(raw)) continue;
    seen.add(key);
    items.push({ key, payload: payloadOf(raw) });
  }
  for (let i = 0; i < items.length; i += 500) {
    for (const item of await batch.add(items.slice(i, i + 500))) out.set(item.key, item);
  }
  await batch.markSourceDone();
  return out;
}

/** One row of a streamed source, with its journal item when the send is a campaign. */
export interface SourceRow {
  readonly raw: unknown;
  readonly item?: JournalItem;
}

/**
 * The rows of a streamed source, each recorded in the campaign as it is read (before it is
 * sent), with exact repeats dropped. A resume reads the source again from its start: the k-th
 * distinct recipient must be the k-th recorded item, so a source that gives other recipients or
 * another order is refused with a `ValidationError` naming `recipients`, rather than mixed up.
 * Takes no memory per recipient: repeats are recognised by their position in the journal.
 * Marks the source done when it ends (not when `stop` cut the reading short).
 */
export async function* recordAsRead(
  batch: OpenBatch,
  rows: AsyncIterable<unknown>,
  stop: AbortSignal,
): AsyncGenerator<SourceRow> {
  let next = 0;
  for await (const raw of rows) {
    if (!keyable(raw)) {
      yield { raw };
      continue;
    }
    const key = keyOf(raw);
    const [item] = await batch.add([{ key, payload: payloadOf(raw) }]);
    if (item!.seq < next) continue;
    if (item!.seq > next)
      throw new ValidationError([
        {
          field: 'recipients',
          reason: `campaign ${JSON.stringify(batch.id)} recorded ${JSON.stringify(key)} as recipient ${item!.seq + 1}, but the source now gives it as recipient ${next + 1}: a resumed source must give the same recipients in the same order`,
        },
      ]);
    next++;
    yield { raw, item: item! };
  }
  // Rows that ended because the reading stopped (cancelled, shut down) are not the whole source.
  if (!stop.aborted) await batch.markSourceDone();
}

/** The journal cursor that keeps where a stream campaign's recipients come from, when it is a file. */
const SOURCE_CURSOR = 'source';

/** Keep the file a stream campaign reads (from `recipientsFromFile`), so `resumeCampaign` can read it again. */
export async function recordSourceFile(batch: OpenBatch, origin: FileOrigin): Promise<void> {
  await batch.setCursor(SOURCE_CURSOR, { file: origin.path, column: origin.column });
}

/**
 * The recipients to resume a stream campaign with, from the journal alone: every recorded
 * recipient in order when its source had been read to its end, else its file read again from
 * the start; undefined when neither is possible.
 */
export async function storedSource(batch: OpenBatch): Promise<AsyncIterable<string | number> | undefined> {
  if ((await batch.status()).sourceDone) return recordedRecipients(batch);
  const cursor = await batch.cursor(SOURCE_CURSOR);
  if (typeof cursor !== 'object' || cursor === null || Array.isArray(cursor)) return undefined;
  const { file, column } = cursor as { file?: unknown; column?: unknown };
  if (typeof file !== 'string' || (typeof column !== 'string' && typeof column !== 'number'))
    return undefined;
  return recipientsFromFile(file, { column });
}

/** Every recipient a campaign recorded, in order, read from the journal a page at a time. */
async function* recordedRecipients(batch: OpenBatch): AsyncGenerator<string | number> {
  for (let from = 0; ; ) {
    const page = await batch.items({ fromSeq: from, limit: 1000 });
    for (const item of page) yield payloadOf(item.payload);
    if (page.length < 1000) return;
    from += page.length;
  }
}

/** The rows of a streamed source with exact repeats dropped (one key per recipient kept in memory). */
export async function* distinctRows(rows: AsyncIterable<unknown>): AsyncGenerator<SourceRow> {
  const seen = new Set<string>();
  for await (const raw of rows) {
    const key = keyOf(raw);
    if (seen.has(key)) continue;
    seen.add(key);
    yield { raw };
  }
}

// ---------------------------------------------------------------- scrape campaigns

/** Campaign kinds of the scrapes: `bulkScrapeGroups`, and `safeBulkScrapeWithRotation` (joins first). */
export const SCRAPE_GROUPS = 'scrape';
export const JOIN_AND_SCRAPE_GROUPS = 'join-and-scrape';

/** The journal's cursor that keeps a group's scrape state. */
export const scrapeCursor = (key: string) => `scrape:${key}`;

/** A scrape's state as the journal keeps it. */
export function saveScrapeState(state: ScrapeState): JsonValue {
  const p = state.progress;
  return {
    members: [...p.members.values()] as unknown as JsonValue,
    seen: [...p.seen],
    pass: p.pass,
    offset: p.offset,
    memberCount: p.memberCount ?? null,
    asked: p.asked,
    hidden: p.hidden,
    joined:
      state.joined === undefined ? null : { session: state.joined.session, status: state.joined.status },
  };
}

/** A scrape's state from the journal, or undefined when none was kept. */
export function restoreScrapeState(value: JsonValue | undefined): ScrapeState | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as unknown as {
    members: Member[];
    seen: string[];
    pass: number;
    offset: number;
    memberCount: number | null;
    asked: boolean;
    hidden: boolean;
    joined: JoinRecord | null;
  };
  return {
    progress: {
      members: new Map(v.members.map((m) => [m.id, m])),
      seen: new Set(v.seen),
      pass: v.pass,
      offset: v.offset,
      memberCount: v.memberCount ?? undefined,
      asked: v.asked,
      hidden: v.hidden,
    },
    ...(v.joined === null ? {} : { joined: v.joined }),
  };
}

/** A group's result, finished by an earlier run, from the journal; undefined when it is not final. */
export function scrapeResultFromJournal(item: JournalItem): GroupScrapeResult | undefined {
  const s = item.state;
  if (s.state === 'done') return s.result as unknown as GroupScrapeResult;
  if (s.state === 'failed' || s.state === 'skipped' || s.state === 'unknown') {
    return {
      group: item.key,
      success: false,
      members: [],
      complete: false,
      sessionUsed: null,
      error: s.state === 'failed' ? (s.code ?? s.reason) : s.reason,
      attempts: 0,
      timestamp: item.updatedAt,
    };
  }
  return undefined;
}

/** Record a group's result; a scrape interrupted by cancellation is left for a resume. */
export async function recordScrape(
  batch: OpenBatch,
  key: string,
  result: GroupScrapeResult,
  interrupted: boolean,
): Promise<void> {
  if (result.success) {
    await batch.transition(key, { state: 'done', result: result as unknown as JsonValue });
    return;
  }
  if (interrupted) return;
  const reason = result.error ?? 'failed';
  await batch.transition(
    key,
    CODE.test(reason) ? { state: 'failed', reason, code: reason } : { state: 'failed', reason },
  );
}
