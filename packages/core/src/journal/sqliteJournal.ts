import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { JournalOpenError, ValidationError } from '../errors.js';
import {
  BackedJournal,
  type BatchRow,
  type ItemChange,
  type ItemRow,
  type JournalBackend,
  type LeaseRow,
} from './backedJournal.js';
import { ITEM_STATE_NAMES } from './checks.js';
import type { ItemStateName } from './types.js';

/** Marks a SQLite file as a Switchyard journal (`PRAGMA application_id`): "SWJL". */
const APPLICATION_ID = 0x53574a4c;

// Each item state has its count column `n_<state>` in `batches` (schema v2).

/** Schema migrations: entry n brings a file from version n to n + 1. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE batches (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     source_done INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE items (
     batch_id TEXT NOT NULL REFERENCES batches(id),
     seq INTEGER NOT NULL,
     key TEXT NOT NULL,
     payload TEXT NOT NULL,
     state_name TEXT NOT NULL,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (batch_id, seq)
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX items_by_key ON items (batch_id, key);
   CREATE INDEX items_by_state ON items (batch_id, state_name);
   CREATE TABLE cursors (
     batch_id TEXT NOT NULL REFERENCES batches(id),
     name TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (batch_id, name)
   ) WITHOUT ROWID;
   CREATE TABLE leases (
     batch_id TEXT PRIMARY KEY REFERENCES batches(id),
     owner TEXT NOT NULL,
     pid INTEGER NOT NULL,
     host TEXT NOT NULL,
     started TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // v2: each batch keeps its count of items per state, so a state change writes the item and
  // its batch row and no index of states (a third of the cost of a change).
  `${ITEM_STATE_NAMES.map((n) => `ALTER TABLE batches ADD COLUMN n_${n} INTEGER NOT NULL DEFAULT 0;`).join('\n')}
   UPDATE batches SET ${ITEM_STATE_NAMES.map(
     (n) => `n_${n} = (SELECT count(*) FROM items WHERE items.batch_id = batches.id AND state_name = '${n}')`,
   ).join(', ')};
   DROP INDEX items_by_state;`,
];

/** The schema version this code writes. A file with a newer one is refused. */
export const JOURNAL_SCHEMA_VERSION = MIGRATIONS.length;

export interface SqliteJournalOptions {
  /** The journal's file; created on first use. Its folder must exist and be writable. */
  readonly path: string;
  /**
   * How hard each state change is pushed to the disk (SQLite's `synchronous`, in WAL mode):
   * - `'normal'` (default): a change survives a crash or kill of the process the moment its
   *   promise resolves; after a power loss or an OS crash the last changes may be lost;
   * - `'full'`: also survives a power loss, at the cost of an fsync per change.
   */
  readonly synchronous?: 'normal' | 'full';
  /** Clock for the journal's timestamps (ms). Default `Date.now`. */
  readonly now?: () => number;
}

function openDatabase(path: string): Database.Database {
  const dir = dirname(path);
  if (!existsSync(dir)) throw new JournalOpenError(path, `its folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new JournalOpenError(path, `${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new JournalOpenError(
      path,
      `its folder ${dir} is not writable (SQLite writes its WAL beside the file)`,
      error,
    );
  }
  if (existsSync(path)) {
    if (!statSync(path).isFile()) throw new JournalOpenError(path, 'it is not a file');
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new JournalOpenError(path, 'the file is not readable and writable', error);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new JournalOpenError(path, `SQLite cannot open it (${(error as Error).message})`, error);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    const app = db.pragma('application_id', { simple: true }) as number;
    const tables = (
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
    ).n;
    if (app !== APPLICATION_ID && (app !== 0 || tables > 0 || version !== 0))
      throw new JournalOpenError(path, 'it is a SQLite file of another program, not a Switchyard journal');
    if (version > JOURNAL_SCHEMA_VERSION)
      throw new JournalOpenError(
        path,
        `its schema version ${version} is newer than this version of Switchyard reads (${JOURNAL_SCHEMA_VERSION}); upgrade Switchyard`,
      );
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.transaction(() => {
      const now = db.pragma('user_version', { simple: true }) as number;
      for (let v = now; v < JOURNAL_SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
      if (now < JOURNAL_SCHEMA_VERSION) db.pragma(`user_version = ${JOURNAL_SCHEMA_VERSION}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    if (error instanceof JournalOpenError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw new JournalOpenError(
        path,
        'it is not a readable SQLite database (corrupt, or another kind of file)',
        error,
      );
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN')
      throw new JournalOpenError(path, `SQLite cannot write it (${code})`, error);
    throw new JournalOpenError(path, `SQLite failed to open it (${(error as Error).message})`, error);
  }
}

interface BatchSql {
  id: string;
  kind: string;
  content: string;
  created_at: number;
  updated_at: number;
  source_done: number;
}
interface ItemSql {
  seq: number;
  key: string;
  payload: string;
  state: string;
  updated_at: number;
}

const batchRow = (r: BatchSql): BatchRow => ({
  id: r.id,
  kind: r.kind,
  content: r.content,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  sourceDone: r.source_done === 1,
});
const itemRow = (r: ItemSql): ItemRow => ({
  seq: r.seq,
  key: r.key,
  payload: r.payload,
  state: r.state,
  updatedAt: r.updated_at,
});

class SqliteBackend implements JournalBackend {
  readonly #db: Database.Database;
  readonly #q;

  /** The batch row's update for each change of state (`from>to`), prepared on first use. */
  readonly #moves = new Map<string, Database.Statement>();
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    // IMMEDIATE: take the write lock first, so two processes checking a lease cannot both win.
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#q = {
      batch: db.prepare<[string], BatchSql>('SELECT * FROM batches WHERE id = ?'),
      batches: db.prepare<[], BatchSql>('SELECT * FROM batches ORDER BY created_at, id'),
      insertBatch: db.prepare(
        'INSERT INTO batches (id, kind, content, created_at, updated_at, source_done) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      touch: db.prepare('UPDATE batches SET updated_at = ? WHERE id = ?'),
      touchDone: db.prepare('UPDATE batches SET updated_at = ?, source_done = ? WHERE id = ?'),
      item: db.prepare<[string, string], ItemSql>(
        'SELECT seq, key, payload, state, updated_at FROM items WHERE batch_id = ? AND key = ?',
      ),
      // The next position, from the primary key's index (a count(*) would read every row).
      count: db.prepare<[string], { n: number }>(
        'SELECT coalesce(max(seq), -1) + 1 AS n FROM items WHERE batch_id = ?',
      ),
      insertItem: db.prepare(
        'INSERT INTO items (batch_id, seq, key, payload, state_name, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      addPending: db.prepare('UPDATE batches SET n_pending = n_pending + ?, updated_at = ? WHERE id = ?'),
      updateItem: db.prepare(
        'UPDATE items SET state_name = ?, state = ?, updated_at = ? WHERE batch_id = ? AND seq = ?',
      ),
      items: db.prepare<[string, number, number], ItemSql>(
        'SELECT seq, key, payload, state, updated_at FROM items WHERE batch_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
      ),
      counts: db.prepare<[string], Record<`n_${ItemStateName}`, number>>(
        `SELECT ${ITEM_STATE_NAMES.map((n) => `n_${n}`).join(', ')} FROM batches WHERE id = ?`,
      ),
      cursor: db.prepare<[string, string], { value: string }>(
        'SELECT value FROM cursors WHERE batch_id = ? AND name = ?',
      ),
      setCursor: db.prepare(
        'INSERT INTO cursors (batch_id, name, value) VALUES (?, ?, ?) ON CONFLICT (batch_id, name) DO UPDATE SET value = excluded.value',
      ),
      lease: db.prepare<[string], LeaseRow>(
        'SELECT owner, pid, host, started FROM leases WHERE batch_id = ?',
      ),
      setLease: db.prepare(
        'INSERT INTO leases (batch_id, owner, pid, host, started) VALUES (?, ?, ?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host, started = excluded.started',
      ),
      dropLease: db.prepare('DELETE FROM leases WHERE batch_id = ?'),
    };
  }

  transaction<T>(fn: () => T): T {
    if (this.#db.inTransaction) return fn();
    this.#begin.run();
    try {
      const out = fn();
      this.#commit.run();
      return out;
    } catch (error) {
      if (this.#db.inTransaction) this.#rollback.run();
      throw error;
    }
  }
  batch(id: string): BatchRow | undefined {
    const r = this.#q.batch.get(id);
    return r === undefined ? undefined : batchRow(r);
  }
  batches(): BatchRow[] {
    return this.#q.batches.all().map(batchRow);
  }
  insertBatch(row: BatchRow): void {
    this.#q.insertBatch.run(
      row.id,
      row.kind,
      row.content,
      row.createdAt,
      row.updatedAt,
      row.sourceDone ? 1 : 0,
    );
  }
  touchBatch(id: string, updatedAt: number, sourceDone?: boolean): void {
    if (sourceDone === undefined) this.#q.touch.run(updatedAt, id);
    else this.#q.touchDone.run(updatedAt, sourceDone ? 1 : 0, id);
  }
  item(batchId: string, key: string): ItemRow | undefined {
    const r = this.#q.item.get(batchId, key);
    return r === undefined ? undefined : itemRow(r);
  }
  itemCount(batchId: string): number {
    return this.#q.count.get(batchId)?.n ?? 0;
  }
  insertItems(batchId: string, rows: readonly ItemRow[], updatedAt: number): void {
    for (const row of rows)
      this.#q.insertItem.run(batchId, row.seq, row.key, row.payload, 'pending', row.state, row.updatedAt);
    this.#q.addPending.run(rows.length, updatedAt, batchId);
  }
  updateItem(batchId: string, { seq, from, to, state, updatedAt }: ItemChange): void {
    this.#q.updateItem.run(to, state, updatedAt, batchId, seq);
    this.#move(from, to).run(updatedAt, batchId);
  }
  #move(from: ItemStateName, to: ItemStateName): Database.Statement {
    const name = `${from}>${to}`;
    let statement = this.#moves.get(name);
    if (statement === undefined) {
      if (!ITEM_STATE_NAMES.includes(from) || !ITEM_STATE_NAMES.includes(to))
        throw new ValidationError([{ field: 'state', reason: `no item state ${from} or ${to}` }]);
      statement = this.#db.prepare(
        from === to
          ? 'UPDATE batches SET updated_at = ? WHERE id = ?'
          : `UPDATE batches SET updated_at = ?, n_${from} = n_${from} - 1, n_${to} = n_${to} + 1 WHERE id = ?`,
      );
      this.#moves.set(name, statement);
    }
    return statement;
  }
  items(batchId: string, fromSeq: number, limit: number): ItemRow[] {
    return this.#q.items.all(batchId, fromSeq, Math.min(limit, Number.MAX_SAFE_INTEGER)).map(itemRow);
  }
  counts(batchId: string): Partial<Record<ItemStateName, number>> {
    const r = this.#q.counts.get(batchId);
    const out: Partial<Record<ItemStateName, number>> = {};
    if (r !== undefined) for (const n of ITEM_STATE_NAMES) out[n] = r[`n_${n}`];
    return out;
  }
  cursor(batchId: string, name: string): string | undefined {
    return this.#q.cursor.get(batchId, name)?.value;
  }
  setCursor(batchId: string, name: string, value: string): void {
    this.#q.setCursor.run(batchId, name, value);
  }
  lease(batchId: string): LeaseRow | undefined {
    return this.#q.lease.get(batchId);
  }
  setLease(batchId: string, lease: LeaseRow | undefined): void {
    if (lease === undefined) this.#q.dropLease.run(batchId);
    else this.#q.setLease.run(batchId, lease.owner, lease.pid, lease.host, lease.started);
  }
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/**
 * The embedded journal: one SQLite file (WAL mode), created on first use, its schema versioned
 * and migrated on open. A batch's lease is held by the process that opened it; the lease of a
 * process that is gone (killed) is free at once.
 */
export class SqliteJournal extends BackedJournal {
  /** The journal's file, as an absolute path. */
  readonly path: string;

  constructor(options: SqliteJournalOptions | string) {
    const o = typeof options === 'string' ? { path: options } : options;
    if (typeof o !== 'object' || o === null || typeof o.path !== 'string' || o.path.length === 0)
      throw new ValidationError([{ field: 'journal.path', reason: 'must be a file path' }]);
    if (o.synchronous !== undefined && o.synchronous !== 'normal' && o.synchronous !== 'full')
      throw new ValidationError([{ field: 'journal.synchronous', reason: "must be 'normal' or 'full'" }]);
    const path = resolve(o.path);
    const db = openDatabase(path);
    db.pragma(`synchronous = ${o.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    super(new SqliteBackend(db), o.now);
    this.path = path;
  }
}
