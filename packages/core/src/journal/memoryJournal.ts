import {
  BackedJournal,
  type BatchRow,
  type ItemChange,
  type ItemRow,
  type JournalBackend,
  type LeaseRow,
} from './backedJournal.js';
import type { ItemStateName } from './types.js';

interface MemoryBatch {
  row: BatchRow;
  readonly items: ItemRow[];
  readonly byKey: Map<string, number>;
  readonly cursors: Map<string, string>;
  lease: LeaseRow | undefined;
}

/** Storage in this process's memory: gone when the process ends. */
class MemoryBackend implements JournalBackend {
  readonly #batches = new Map<string, MemoryBatch>();

  transaction<T>(fn: () => T): T {
    // Calls are synchronous and a failed check throws before anything is written.
    return fn();
  }
  #get(id: string): MemoryBatch {
    const b = this.#batches.get(id);
    if (b === undefined) throw new Error(`no batch ${id}`);
    return b;
  }
  batch(id: string): BatchRow | undefined {
    return this.#batches.get(id)?.row;
  }
  batches(): BatchRow[] {
    // Oldest first, like the other stores: by creation time, then by id.
    return [...this.#batches.values()]
      .map((b) => b.row)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  insertBatch(row: BatchRow): void {
    this.#batches.set(row.id, { row, items: [], byKey: new Map(), cursors: new Map(), lease: undefined });
  }
  touchBatch(id: string, updatedAt: number, sourceDone?: boolean): void {
    const b = this.#get(id);
    b.row = { ...b.row, updatedAt, sourceDone: sourceDone ?? b.row.sourceDone };
  }
  item(batchId: string, key: string): ItemRow | undefined {
    const b = this.#batches.get(batchId);
    const seq = b?.byKey.get(key);
    return seq === undefined ? undefined : b?.items[seq];
  }
  itemCount(batchId: string): number {
    return this.#get(batchId).items.length;
  }
  insertItems(batchId: string, rows: readonly ItemRow[], updatedAt: number): void {
    const b = this.#get(batchId);
    for (const row of rows) {
      b.items[row.seq] = row;
      b.byKey.set(row.key, row.seq);
    }
    this.touchBatch(batchId, updatedAt);
  }
  updateItem(batchId: string, { seq, state, updatedAt }: ItemChange): void {
    const b = this.#get(batchId);
    const row = b.items[seq];
    if (row !== undefined) b.items[seq] = { ...row, state, updatedAt };
    this.touchBatch(batchId, updatedAt);
  }
  items(batchId: string, fromSeq: number, limit: number): ItemRow[] {
    return this.#batches.get(batchId)?.items.slice(fromSeq, fromSeq + limit) ?? [];
  }
  counts(batchId: string): Partial<Record<ItemStateName, number>> {
    const out: Partial<Record<ItemStateName, number>> = {};
    for (const row of this.#batches.get(batchId)?.items ?? []) {
      const name = (JSON.parse(row.state) as { state: ItemStateName }).state;
      out[name] = (out[name] ?? 0) + 1;
    }
    return out;
  }
  cursor(batchId: string, name: string): string | undefined {
    return this.#batches.get(batchId)?.cursors.get(name);
  }
  setCursor(batchId: string, name: string, value: string): void {
    this.#get(batchId).cursors.set(name, value);
  }
  lease(batchId: string): LeaseRow | undefined {
    return this.#batches.get(batchId)?.lease;
  }
  setLease(batchId: string, lease: LeaseRow | undefined): void {
    const b = this.#batches.get(batchId);
    if (b !== undefined) b.lease = lease;
  }
  close(): void {}
}

/**
 * A journal in memory: the same rules as the SQLite journal (leases, matching content on
 * resume, item transitions), without a file, so nothing survives the process. For tests, and
 * for code that runs durable batches where durability is not needed.
 */
export class MemoryJournal extends BackedJournal {
  constructor(options: { readonly now?: () => number } = {}) {
    super(new MemoryBackend(), options.now);
  }
}
