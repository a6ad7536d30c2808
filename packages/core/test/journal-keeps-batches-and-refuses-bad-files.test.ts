import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JournalOpenError } from '@switchyard/core';
import { JOURNAL_SCHEMA_VERSION, SqliteJournal } from '@switchyard/core/sqlite';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
const open: { close(): Promise<void> }[] = [];
const children: ChildProcess[] = [];
const journal = (path = join(dir, 'j.sqlite')) => {
  const j = new SqliteJournal(path);
  open.push(j);
  return j;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-journal-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const j of open.splice(0)) await j.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = { id: 'spring-sale', kind: 'send-text', content: { text: 'hi', sessions: ['a', 'b'] } };

// What every journal does (resume, add, transitions, leases within a process, bad items) is in
// the conformance suite, run for SQLite in journal-stores-pass-conformance.test.ts.
describe('the SQLite journal keeps batches across processes', () => {
  it('creates its file on first use and gives back every item and state after a reopen', async () => {
    const path = join(dir, 'campaigns.sqlite');
    const first = new SqliteJournal(path);
    const b = await first.open(spec);
    expect(b.created).toBe(true);
    await b.add([
      { key: 'alice', payload: '@alice' },
      { key: 'bob', payload: '@bob' },
      { key: 'carol', payload: '@carol' },
    ]);
    await b.transition('alice', { state: 'attempting', worker: 'a', attempt: { randomId: '17' } });
    await b.transition('alice', { state: 'done', result: { messageId: 5 } });
    await b.transition('bob', { state: 'attempting', worker: 'b', attempt: { randomId: '18' } });
    await b.setCursor('source', { read: 3 });
    await first.close();

    const second = journal(path);
    const again = await second.open(spec);
    expect(again.created).toBe(false);
    expect((await again.items()).map((i) => [i.seq, i.key, i.state])).toEqual([
      [0, 'alice', { state: 'done', result: { messageId: 5 } }],
      [1, 'bob', { state: 'attempting', worker: 'b', attempt: { randomId: '18' } }],
      [2, 'carol', { state: 'pending' }],
    ]);
    expect(await again.cursor('source')).toEqual({ read: 3 });
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(JOURNAL_SCHEMA_VERSION);
    db.close();
  });

  it('brings a journal of schema version 1 up to date on open, its counts and states intact', async () => {
    // A version 1 file as it was written: counts came from an index of item states.
    const path = join(dir, 'v1.sqlite');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE batches (id TEXT PRIMARY KEY, kind TEXT NOT NULL, content TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, source_done INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE items (batch_id TEXT NOT NULL REFERENCES batches(id), seq INTEGER NOT NULL,
        key TEXT NOT NULL, payload TEXT NOT NULL, state_name TEXT NOT NULL, state TEXT NOT NULL,
        updated_at INTEGER NOT NULL, PRIMARY KEY (batch_id, seq)) WITHOUT ROWID;
      CREATE UNIQUE INDEX items_by_key ON items (batch_id, key);
      CREATE INDEX items_by_state ON items (batch_id, state_name);
      CREATE TABLE cursors (batch_id TEXT NOT NULL REFERENCES batches(id), name TEXT NOT NULL,
        value TEXT NOT NULL, PRIMARY KEY (batch_id, name)) WITHOUT ROWID;
      CREATE TABLE leases (batch_id TEXT PRIMARY KEY REFERENCES batches(id), owner TEXT NOT NULL,
        pid INTEGER NOT NULL, host TEXT NOT NULL, started TEXT NOT NULL) WITHOUT ROWID;`);
    db.pragma('user_version = 1');
    db.pragma(`application_id = ${0x53574a4c}`);
    db.prepare('INSERT INTO batches VALUES (?, ?, ?, 1, 2, 1)').run(
      spec.id,
      spec.kind,
      '{"sessions":["a","b"],"text":"hi"}',
    );
    const states = [
      { state: 'done', result: { messageId: 5 } },
      { state: 'attempting', attempt: { randomId: '18' }, worker: 'b' },
      { state: 'pending' },
      { state: 'pending' },
      { state: 'unknown', reason: 'UNKNOWN_OUTCOME' },
    ];
    const insert = db.prepare('INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, 2)');
    states.forEach((st, i) => {
      insert.run(spec.id, i, `k${i}`, JSON.stringify(i), st.state, JSON.stringify(st));
    });
    db.close();

    const j = journal(path);
    expect(await j.status(spec.id)).toMatchObject({
      total: 5,
      done: 1,
      attempting: 1,
      pending: 2,
      unknown: 1,
      sourceDone: true,
    });
    const b = await j.open(spec);
    await b.transition('k1', { state: 'done', result: {} });
    await b.transition('k2', { state: 'skipped', reason: 'invalid' });
    await b.add([{ key: 'k5', payload: 5 }]);
    expect(await j.status(spec.id)).toMatchObject({
      total: 6,
      done: 2,
      attempting: 0,
      pending: 2,
      skipped: 1,
    });
    expect((await b.get('k0'))?.state).toEqual(states[0]);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(JOURNAL_SCHEMA_VERSION);
    expect(
      check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'items_by_state'").all(),
    ).toEqual([]);
    check.close();
  });
});

describe('a SQLite batch is leased to one live process at a time', () => {
  it('refuses while another live process holds it, and is free at once when that process is killed', async () => {
    const path = join(dir, 'j.sqlite');
    journal(path);
    const holder = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/holdBatch.mjs', import.meta.url)), path, spec.id],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      holder.once('exit', (code) => reject(new Error(`holder exited (${code})`)));
    });
    const j = journal(path);
    await expect(j.open({ ...spec, content: { n: 1 }, kind: 'test' })).rejects.toThrow(
      new RegExp(`already open in process ${holder.pid}`),
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    const b = await j.open({ ...spec, content: { n: 1 }, kind: 'test' });
    expect(b.created).toBe(false);
  });
});

describe('bad journal files are refused with a clear error', () => {
  it('names a missing folder', () => {
    expect(() => new SqliteJournal(join(dir, 'nope', 'j.sqlite'))).toThrow(
      /journal .*nope.*j\.sqlite: its folder .*nope does not exist/,
    );
  });

  it('names a folder given as the file, and a file given as the folder', () => {
    mkdirSync(join(dir, 'sub'));
    expect(() => new SqliteJournal(join(dir, 'sub'))).toThrow(/it is not a file/);
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => new SqliteJournal(join(dir, 'plain', 'j.sqlite'))).toThrow(/is not a folder/);
  });

  it.skipIf(process.getuid?.() === 0)('names a read-only folder', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      expect(() => new SqliteJournal(join(ro, 'j.sqlite'))).toThrow(/is not writable/);
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('refuses a corrupt file and leaves it as it was', () => {
    const path = join(dir, 'j.sqlite');
    writeFileSync(path, Buffer.alloc(4096, 7));
    expect(() => new SqliteJournal(path)).toThrow(JournalOpenError);
    expect(() => new SqliteJournal(path)).toThrow(/not a readable SQLite database/);
  });

  it("refuses another program's SQLite file without touching it", () => {
    const path = join(dir, 'other.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    expect(() => new SqliteJournal(path)).toThrow(/SQLite file of another program, not a Switchyard journal/);
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([
      { name: 'notes' },
    ]);
    check.close();
  });

  it('refuses a journal written by a newer version', async () => {
    const path = join(dir, 'j.sqlite');
    await new SqliteJournal(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${JOURNAL_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteJournal(path)).toThrow(
      new RegExp(
        `schema version ${JOURNAL_SCHEMA_VERSION + 1} is newer than this version of Switchyard reads`,
      ),
    );
  });

  it('rejects bad options by field name', () => {
    expect(() => new SqliteJournal('')).toThrow(/journal\.path: must be a file path/);
    expect(() => new SqliteJournal({ path: join(dir, 'j'), synchronous: 'off' as 'full' })).toThrow(
      /journal\.synchronous/,
    );
  });
});
