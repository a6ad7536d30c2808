import { hostname } from 'node:os';
import { JournalMismatchError, JournalTransitionError, ValidationError } from '../errors.js';
import { canonicalJson, checkItemTransition, sameJson } from './transitions.js';
import type { BatchSpec, BatchStatus, ItemState, ItemStateName, JournalItem, JsonValue } from './types.js';

// The rules every journal store applies the same way, whatever it stores in: a store reads
// and writes rows, and asks these what a call may do.

/** A batch row: content as canonical JSON text. */
export interface BatchRow {
  readonly id: string;
  readonly kind: string;
  readonly content: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sourceDone: boolean;
}

/** An item row: payload and state as canonical JSON text. */
export interface ItemRow {
  readonly seq: number;
  readonly key: string;
  readonly payload: string;
  readonly state: string;
  readonly updatedAt: number;
}

/** How many items of a batch are in each state (a state with none may be left out). */
export type StateCounts = Partial<Record<ItemStateName, number>>;

/** Every item state name, in the order a status lists them. */
export const ITEM_STATE_NAMES: readonly ItemStateName[] = [
  'pending',
  'attempting',
  'done',
  'failed',
  'skipped',
  'unknown',
];

const ID = /^[\s\S]{1,200}$/;
const KEY_MAX = 1000;

/** A value as canonical JSON text, or `ValidationError` naming `field` when it is not JSON. */
export function journalJson(value: JsonValue | ItemState, field: string): string {
  let text: string | undefined;
  try {
    text = canonicalJson(value);
  } catch (error) {
    throw new ValidationError([{ field, reason: `must be JSON (${(error as Error).message})` }]);
  }
  if (text === 'undefined') throw new ValidationError([{ field, reason: 'must be JSON' }]);
  return text;
}

/** The state every item starts in, as stored. */
export const PENDING_STATE: string = journalJson({ state: 'pending' }, 'state');

/** Checks a batch's spec; returns its content as canonical JSON text. */
export function checkBatchSpec(spec: BatchSpec): string {
  if (typeof spec !== 'object' || spec === null)
    throw new ValidationError([{ field: 'batch', reason: 'must be an object' }]);
  if (typeof spec.id !== 'string' || !ID.test(spec.id))
    throw new ValidationError([{ field: 'batch.id', reason: 'must be a string of 1–200 characters' }]);
  if (typeof spec.kind !== 'string' || !ID.test(spec.kind))
    throw new ValidationError([{ field: 'batch.kind', reason: 'must be a string of 1–200 characters' }]);
  return journalJson(spec.content, 'batch.content');
}

/** Refuses to resume a stored batch with another kind or content (`JournalMismatchError`). */
export function checkResume(
  stored: Pick<BatchRow, 'id' | 'kind' | 'content'>,
  kind: string,
  content: string,
): void {
  if (stored.kind !== kind)
    throw new JournalMismatchError(stored.id, 'kind', `it is a ${stored.kind} batch, not ${kind}`);
  if (stored.content !== content)
    throw new JournalMismatchError(stored.id, 'content', 'resume it with the content it was started with');
}

/** Who holds a lease, as an error names it: this process, or a process on a host. */
export function leaseHolder(pid: number, host: string): string {
  return pid === process.pid && host === hostname() ? 'this process' : `process ${pid} on ${host}`;
}

/** Checks the items given to `add`; returns each key with its payload as canonical JSON text. */
export function checkNewItems(items: unknown): { key: string; payload: string }[] {
  if (!Array.isArray(items)) throw new ValidationError([{ field: 'items', reason: 'must be an array' }]);
  return items.map((item: { key?: unknown; payload?: JsonValue } | undefined, i) => {
    if (typeof item?.key !== 'string' || item.key.length === 0 || item.key.length > KEY_MAX)
      throw new ValidationError([
        { field: `items[${i}].key`, reason: `must be a string of 1–${KEY_MAX} characters` },
      ]);
    return { key: item.key, payload: journalJson(item.payload as JsonValue, `items[${i}].payload`) };
  });
}

/**
 * What an `add` records: each item already known (by `known`, or earlier in the same call) keeps
 * its row and must have the same payload (else `JournalMismatchError`, before anything is
 * written); each new one gets the next position, from `nextSeq`, and starts pending.
 */
export function planAdd(
  batchId: string,
  items: readonly { readonly key: string; readonly payload: string }[],
  known: (key: string) => ItemRow | undefined,
  nextSeq: number,
  now: number,
): { readonly fresh: ItemRow[]; readonly out: JournalItem[] } {
  const fresh = new Map<string, ItemRow>();
  const out: JournalItem[] = [];
  for (const { key, payload } of items) {
    const existing = fresh.get(key) ?? known(key);
    if (existing !== undefined) {
      if (existing.payload !== payload)
        throw new JournalMismatchError(batchId, 'item', `item "${key}" was recorded with another payload`);
      out.push(toJournalItem(existing));
      continue;
    }
    const row: ItemRow = { seq: nextSeq++, key, payload, state: PENDING_STATE, updatedAt: now };
    fresh.set(key, row);
    out.push(toJournalItem(row));
  }
  return { fresh: [...fresh.values()], out };
}

/** Checks `items()`'s options; a missing `limit` is every item. */
export function checkItemRange(options: { readonly fromSeq?: number; readonly limit?: number }): {
  fromSeq: number;
  limit: number;
} {
  const fromSeq = options.fromSeq ?? 0;
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 0)
    throw new ValidationError([{ field: 'fromSeq', reason: 'must be a whole number ≥ 0' }]);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ValidationError([{ field: 'limit', reason: 'must be a whole number ≥ 1' }]);
  return { fromSeq, limit };
}

/** The error for a key that names no item of the batch. */
export function noSuchItem(batchId: string, key: string): ValidationError {
  return new ValidationError([{ field: 'key', reason: `no item "${key}" in batch "${batchId}"` }]);
}

/**
 * Whether an item in `row` may take the state `nextText` (canonical JSON of `next`): undefined
 * when it holds that state already (writing it again changes nothing), else the change to
 * write. A move `checkItemTransition` forbids throws `JournalTransitionError`.
 */
export function planTransition(
  batchId: string,
  row: ItemRow,
  next: ItemState,
  nextText: string,
  now: number,
  expect?: ItemState,
): { readonly from: ItemStateName; readonly item: JournalItem } | undefined {
  const from = JSON.parse(row.state) as ItemState;
  if (expect !== undefined && !sameJson(from, expect))
    throw new JournalTransitionError(
      batchId,
      row.key,
      from.state,
      next.state,
      `it was expected ${expect.state}, and is ${from.state} (another writer changed it)`,
    );
  // States are stored as canonical JSON: equal text is the same state, written again.
  if (row.state === nextText) return undefined;
  const why = checkItemTransition(from, next);
  if (why !== undefined) throw new JournalTransitionError(batchId, row.key, from.state, next.state, why);
  return { from: from.state, item: toJournalItem({ ...row, state: nextText, updatedAt: now }) };
}

/** An item row as the journal gives it out. */
export function toJournalItem(row: ItemRow): JournalItem {
  return {
    seq: row.seq,
    key: row.key,
    payload: JSON.parse(row.payload) as JsonValue,
    state: JSON.parse(row.state) as ItemState,
    updatedAt: row.updatedAt,
  };
}

/** A batch's status from its row and its counts per state. */
export function batchStatus(row: BatchRow, counts: StateCounts): BatchStatus {
  const pending = counts.pending ?? 0;
  const attempting = counts.attempting ?? 0;
  const done = counts.done ?? 0;
  const failed = counts.failed ?? 0;
  const skipped = counts.skipped ?? 0;
  const unknown = counts.unknown ?? 0;
  return {
    id: row.id,
    kind: row.kind,
    total: pending + attempting + done + failed + skipped + unknown,
    pending,
    attempting,
    done,
    failed,
    skipped,
    unknown,
    sourceDone: row.sourceDone,
    startedAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A stored batch's spec. */
export function batchSpec(row: Pick<BatchRow, 'id' | 'kind' | 'content'>): BatchSpec {
  return { id: row.id, kind: row.kind, content: JSON.parse(row.content) as JsonValue };
}

/** The error for a call on a batch this journal no longer holds. */
export function releasedBatch(batchId: string): ValidationError {
  return new ValidationError([{ field: 'batch', reason: `"${batchId}" was released` }]);
}

/** The error for a call on a batch whose record was deleted from the store under it. */
export function goneBatch(batchId: string): ValidationError {
  return new ValidationError([{ field: 'batch', reason: `"${batchId}" is gone` }]);
}

/** The error for a call on a closed journal. */
export function closedJournal(): ValidationError {
  return new ValidationError([{ field: 'journal', reason: 'is closed' }]);
}
