import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { JournalLeaseError } from '../errors.js';
import {
  type BatchRow,
  batchSpec,
  batchStatus,
  checkBatchSpec,
  checkItemRange,
  checkNewItems,
  checkResume,
  closedJournal,
  goneBatch,
  type ItemRow,
  journalJson,
  leaseHolder,
  noSuchItem,
  planAdd,
  planTransition,
  releasedBatch,
  type StateCounts,
  toJournalItem,
} from './checks.js';
import type { BatchSpec, BatchStatus, ItemStateName, Journal, JsonValue, OpenBatch } from './types.js';

export type { BatchRow, ItemRow } from './checks.js';

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
  counts(batchId: string): StateCounts;
  cursor(batchId: string, name: string): string | undefined;
  setCursor(batchId: string, name: string, value: string): void;
  lease(batchId: string): LeaseRow | undefined;
  setLease(batchId: string, lease: LeaseRow | undefined): void;
  close(): void;
}

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
    const content = checkBatchSpec(spec);
    const b = this.#backend;
    const now = this.#now();
    const created = b.transaction(() => {
      const lease = b.lease(spec.id);
      if (this.#open.has(spec.id)) throw new JournalLeaseError(spec.id, 'this process');
      if (lease !== undefined && lease.owner !== this.#owner && holderAlive(lease))
        throw new JournalLeaseError(spec.id, leaseHolder(lease.pid, lease.host));
      const row = b.batch(spec.id);
      if (row !== undefined) checkResume(row, spec.kind, content);
      else
        b.insertBatch({
          id: spec.id,
          kind: spec.kind,
          content,
          createdAt: now,
          updatedAt: now,
          sourceDone: false,
        });
      b.setLease(spec.id, thisProcess(this.#owner));
      return row === undefined;
    });
    this.#open.add(spec.id);
    return this.#batch(spec, content, created);
  }

  async status(id: string): Promise<BatchStatus | undefined> {
    this.#checkOpen();
    const row = this.#backend.batch(id);
    return row === undefined ? undefined : batchStatus(row, this.#backend.counts(row.id));
  }

  async list(): Promise<BatchStatus[]> {
    this.#checkOpen();
    return this.#backend.batches().map((row) => batchStatus(row, this.#backend.counts(row.id)));
  }

  async spec(id: string): Promise<BatchSpec | undefined> {
    this.#checkOpen();
    const row = this.#backend.batch(id);
    return row === undefined ? undefined : batchSpec(row);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const id of this.#open) this.#release(id);
    this.#closed = true;
    this.#backend.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw closedJournal();
  }

  #release(id: string): void {
    if (!this.#open.delete(id)) return;
    const b = this.#backend;
    b.transaction(() => {
      if (b.lease(id)?.owner === this.#owner) b.setLease(id, undefined);
    });
  }

  #batch(spec: BatchSpec, content: string, created: boolean): OpenBatch {
    const b = this.#backend;
    const id = spec.id;
    const live = () => {
      this.#checkOpen();
      if (!this.#open.has(id)) throw releasedBatch(id);
    };
    const self = this;
    return {
      id,
      kind: spec.kind,
      content: JSON.parse(content) as JsonValue,
      created,
      async add(items) {
        live();
        const rows = checkNewItems(items);
        const now = self.#now();
        return b.transaction(() => {
          // Check everything before writing anything, so a refused add records nothing.
          const { fresh, out } = planAdd(id, rows, (key) => b.item(id, key), b.itemCount(id), now);
          if (fresh.length > 0) b.insertItems(id, fresh, now);
          return out;
        });
      },
      async get(key) {
        live();
        const row = b.item(id, key);
        return row === undefined ? undefined : toJournalItem(row);
      },
      async items(options = {}) {
        live();
        const { fromSeq, limit } = checkItemRange(options);
        return b.items(id, fromSeq, limit).map(toJournalItem);
      },
      async transition(key, next, options = {}) {
        live();
        const text = journalJson(next, 'state');
        const now = self.#now();
        return b.transaction(() => {
          const row = b.item(id, key);
          if (row === undefined) throw noSuchItem(id, key);
          const change = planTransition(id, row, next, text, now, options.expect);
          if (change === undefined) return toJournalItem(row);
          b.updateItem(id, { seq: row.seq, from: change.from, to: next.state, state: text, updatedAt: now });
          return change.item;
        });
      },
      async setCursor(name, value) {
        live();
        const text = journalJson(value, 'cursor');
        b.transaction(() => {
          b.setCursor(id, name, text);
          b.touchBatch(id, self.#now());
        });
      },
      async claimCursor(name, value) {
        live();
        const text = journalJson(value, 'cursor');
        const held = b.transaction(() => {
          const before = b.cursor(id, name);
          if (before !== undefined) return before;
          b.setCursor(id, name, text);
          b.touchBatch(id, self.#now());
          return text;
        });
        return JSON.parse(held) as JsonValue;
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
        if (row === undefined) throw goneBatch(id);
        return batchStatus(row, b.counts(id));
      },
      async release() {
        if (self.#closed) return;
        self.#release(id);
      },
    };
  }
}
