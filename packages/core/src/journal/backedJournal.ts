import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  JournalLeaseError,
  JournalMismatchError,
  JournalTransitionError,
  ValidationError,
} from '../errors.js';
import { canonicalJson, checkItemTransition } from './transitions.js';
import type {
  BatchSpec,
  BatchStatus,
  ItemState,
  ItemStateName,
  Journal,
  JournalItem,
  JsonValue,
  OpenBatch,
} from './types.js';

/** A batch row: content as canonical JSON text. */
export interface BatchRow {
  readonly id: string;
  readonly kind: string;
  readonly content: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sourceDone: boolean;
}

/** An item row: payload and state as JSON text. */
export interface ItemRow {
  readonly seq: number;
  readonly key: string;
  readonly payload: string;
  readonly state: string;
  readonly updatedAt: number;
}

/** A change of an item's state: the item at `seq` goes from a state named `from` to `state` (named `to`). */
export interface ItemChange {
  readonly seq: number;
  readonly from: ItemStateName;
  readonly to: ItemStateName;
  /** The new state as canonical JSON text. */
  readonly state: string;
  readonly updatedAt: number;
}

/** Who holds a batch: a journal instance in a process on a host. */
export interface LeaseRow {
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
  /** The process's start time as the OS tells it, so a reused pid is not taken for the holder. */
  readonly started: string;
}

/**
 * What a journal's storage must do. Every call is synchronous and written through when it returns
 * (SQLite in WAL mode; memory), and `transaction` makes a group of calls atomic.
 */
export interface JournalBackend {
  transaction<T>(fn: () => T): T;
  batch(id: string): BatchRow | undefined;
  batches(): BatchRow[];
  insertBatch(row: BatchRow): void;
  touchBatch(id: string, updatedAt: number, sourceDone?: boolean): void;
  item(batchId: string, key: string): ItemRow | undefined;
  itemCount(batchId: string): number;
  /** Add items, all `pending`, and mark the batch updated. */
  insertItems(batchId: string, rows: readonly ItemRow[], updatedAt: number): void;
  /** Change an item's state, and mark the batch updated. */
  updateItem(batchId: string, change: ItemChange): void;
  items(batchId: string, fromSeq: number, limit: number): ItemRow[];
  counts(batchId: string): Partial<Record<ItemStateName, number>>;
  cursor(batchId: string, name: string): string | undefined;
  setCursor(batchId: string, name: string, value: string): void;
  lease(batchId: string): LeaseRow | undefined;
  setLease(batchId: string, lease: LeaseRow | undefined): void;
  close(): void;
}

const ID = /^[\s\S]{1,200}$/;
const KEY_MAX = 1000;

/** This process as a lease holder. */
function thisProcess(owner: string): LeaseRow {
  return { owner, pid: process.pid, host: hostname(), started: processStart(process.pid) };
}

/** The process's start time from /proc (Linux), or '' where there is none. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the command name, which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Whether the process that took a lease is still running (on this host; another host counts as live). */
function holderAlive(lease: LeaseRow): boolean {
  if (lease.host !== hostname()) return true;
  if (lease.pid === process.pid) return true;
  try {
    process.kill(lease.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStart(lease.pid);
  return started === '' || lease.started === '' || started === lease.started;
}

function json(value: JsonValue | ItemState, field: string): string {
  let text: string | undefined;
  try {
    text = canonicalJson(value);
  } catch (error) {
    throw new ValidationError([{ field, reason: `must be JSON (${(error as Error).message})` }]);
  }
  if (text === 'undefined') throw new ValidationError([{ field, reason: 'must be JSON' }]);
  return text;
}

function toItem(row: ItemRow): JournalItem {
  return {
    seq: row.seq,
    key: row.key,
    payload: JSON.parse(row.payload) as JsonValue,
    state: JSON.parse(row.state) as ItemState,
    updatedAt: row.updatedAt,
  };
}

const PENDING = json({ state: 'pending' }, 'state');

/**
 * A journal over a backend: the rules (leases, matching content on resume, item transitions)
 * live here once, whatever the storage.
 */
export class BackedJournal implements Journal {
  readonly #backend: JournalBackend;
  readonly #now: () => number;
  readonly #owner = randomUUID();
  readonly #open = new Set<string>();
  #closed = false;

  constructor(backend: JournalBackend, now: () => number = Date.now) {
    this.#backend = backend;
    this.#now = now;
  }

  async open(spec: BatchSpec): Promise<OpenBatch> {
    this.#checkOpen();
    if (typeof spec !== 'object' || spec === null)
      throw new ValidationError([{ field: 'batch', reason: 'must be an object' }]);
    if (typeof spec.id !== 'string' || !ID.test(spec.id))
      throw new ValidationError([{ field: 'batch.id', reason: 'must be a string of 1–200 characters' }]);
    if (typeof spec.kind !== 'string' || !ID.test(spec.kind))
      throw new ValidationError([{ field: 'batch.kind', reason: 'must be a string of 1–200 characters' }]);
    const content = json(spec.content, 'batch.content');
    const b = this.#backend;
    const now = this.#now();
    const created = b.transaction(() => {
      const lease = b.lease(spec.id);
      if (this.#open.has(spec.id)) throw new JournalLeaseError(spec.id, 'this process');
      if (lease !== undefined && lease.owner !== this.#owner && holderAlive(lease)) {
        throw new JournalLeaseError(
          spec.id,
          lease.pid === process.pid && lease.host === hostname()
            ? 'this process'
            : `process ${lease.pid} on ${lease.host}`,
        );
      }
      const row = b.batch(spec.id);
      if (row !== undefined) {
        if (row.kind !== spec.kind)
          throw new JournalMismatchError(spec.id, 'kind', `it is a ${row.kind} batch, not ${spec.kind}`);
        if (row.content !== content)
          throw new JournalMismatchError(
            spec.id,
            'content',
            'resume it with the content it was started with',
          );
      } else {
        b.insertBatch({
          id: spec.id,
          kind: spec.kind,
          content,
          createdAt: now,
          updatedAt: now,
          sourceDone: false,
        });
      }
      b.setLease(spec.id, thisProcess(this.#owner));
      return row === undefined;
    });
    this.#open.add(spec.id);
    return this.#batch(spec, created);
  }

  async status(id: string): Promise<BatchStatus | undefined> {
    this.#checkOpen();
    const row = this.#backend.batch(id);
    return row === undefined ? undefined : this.#status(row);
  }

  async list(): Promise<BatchStatus[]> {
    this.#checkOpen();
    return this.#backend.batches().map((row) => this.#status(row));
  }

  async spec(id: string): Promise<BatchSpec | undefined> {
    this.#checkOpen();
    const row = this.#backend.batch(id);
    return row === undefined
      ? undefined
      : { id: row.id, kind: row.kind, content: JSON.parse(row.content) as JsonValue };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const id of this.#open) this.#release(id);
    this.#closed = true;
    this.#backend.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ValidationError([{ field: 'journal', reason: 'is closed' }]);
  }

  #release(id: string): void {
    if (!this.#open.delete(id)) return;
    const b = this.#backend;
    b.transaction(() => {
      if (b.lease(id)?.owner === this.#owner) b.setLease(id, undefined);
    });
  }

  #status(row: BatchRow): BatchStatus {
    const c = this.#backend.counts(row.id);
    const pending = c.pending ?? 0;
    const attempting = c.attempting ?? 0;
    const done = c.done ?? 0;
    const failed = c.failed ?? 0;
    const skipped = c.skipped ?? 0;
    const unknown = c.unknown ?? 0;
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

  #batch(spec: BatchSpec, created: boolean): OpenBatch {
    const b = this.#backend;
    const id = spec.id;
    const live = () => {
      this.#checkOpen();
      if (!this.#open.has(id))
        throw new ValidationError([{ field: 'batch', reason: `"${id}" was released` }]);
    };
    const self = this;
    return {
      id,
      kind: spec.kind,
      content: JSON.parse(json(spec.content, 'batch.content')) as JsonValue,
      created,
      async add(items) {
        live();
        if (!Array.isArray(items))
          throw new ValidationError([{ field: 'items', reason: 'must be an array' }]);
        const rows = items.map((item, i) => {
          if (typeof item?.key !== 'string' || item.key.length === 0 || item.key.length > KEY_MAX)
            throw new ValidationError([
              { field: `items[${i}].key`, reason: `must be a string of 1–${KEY_MAX} characters` },
            ]);
          return { key: item.key, payload: json(item.payload, `items[${i}].payload`) };
        });
        const now = self.#now();
        return b.transaction(() => {
          // Check everything before writing anything, so a refused add records nothing.
          let next = b.itemCount(id);
          const fresh = new Map<string, ItemRow>();
          const out: JournalItem[] = [];
          for (const { key, payload } of rows) {
            const existing = fresh.get(key) ?? b.item(id, key);
            if (existing !== undefined) {
              if (existing.payload !== payload)
                throw new JournalMismatchError(id, 'item', `item "${key}" was recorded with another payload`);
              out.push(toItem(existing));
              continue;
            }
            const row: ItemRow = { seq: next++, key, payload, state: PENDING, updatedAt: now };
            fresh.set(key, row);
            out.push(toItem(row));
          }
          if (fresh.size > 0) b.insertItems(id, [...fresh.values()], now);
          return out;
        });
      },
      async get(key) {
        live();
        const row = b.item(id, key);
        return row === undefined ? undefined : toItem(row);
      },
      async items(options = {}) {
        live();
        const fromSeq = options.fromSeq ?? 0;
        const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
        if (!Number.isSafeInteger(fromSeq) || fromSeq < 0)
          throw new ValidationError([{ field: 'fromSeq', reason: 'must be a whole number ≥ 0' }]);
        if (!Number.isSafeInteger(limit) || limit < 1)
          throw new ValidationError([{ field: 'limit', reason: 'must be a whole number ≥ 1' }]);
        return b.items(id, fromSeq, limit).map(toItem);
      },
      async transition(key, next) {
        live();
        const text = json(next, 'state');
        const now = self.#now();
        return b.transaction(() => {
          const row = b.item(id, key);
          if (row === undefined)
            throw new ValidationError([{ field: 'key', reason: `no item "${key}" in batch "${id}"` }]);
          // States are stored as canonical JSON: equal text is the same state, written again.
          if (row.state === text) return toItem(row);
          const from = JSON.parse(row.state) as ItemState;
          const why = checkItemTransition(from, next);
          if (why !== undefined) throw new JournalTransitionError(id, key, from.state, next.state, why);
          b.updateItem(id, { seq: row.seq, from: from.state, to: next.state, state: text, updatedAt: now });
          return {
            seq: row.seq,
            key: row.key,
            payload: JSON.parse(row.payload) as JsonValue,
            state: JSON.parse(text) as ItemState,
            updatedAt: now,
          };
        });
      },
      async setCursor(name, value) {
        live();
        const text = json(value, 'cursor');
        b.transaction(() => {
          b.setCursor(id, name, text);
          b.touchBatch(id, self.#now());
        });
      },
      async cursor(name) {
        live();
        const text = b.cursor(id, name);
        return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
      },
      async markSourceDone() {
        live();
        b.transaction(() => b.touchBatch(id, self.#now(), true));
      },
      async status() {
        live();
        const row = b.batch(id);
        if (row === undefined) throw new ValidationError([{ field: 'batch', reason: `"${id}" is gone` }]);
        return self.#status(row);
      },
      async release() {
        if (self.#closed) return;
        self.#release(id);
      },
    };
  }
}
