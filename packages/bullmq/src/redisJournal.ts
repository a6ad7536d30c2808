import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BatchSpec,
  type BatchStatus,
  type ItemState,
  type Journal,
  type JournalItem,
  JournalLeaseError,
  JournalOpenError,
  type JsonValue,
  type OpenBatch,
  ValidationError,
} from '@switchyard/core';
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
  ITEM_STATE_NAMES,
  type ItemRow,
  journalJson,
  leaseHolder,
  noSuchItem,
  planAdd,
  planTransition,
  releasedBatch,
  toJournalItem,
} from '@switchyard/core/journal-store';
import type { Redis } from 'ioredis';
import { positive } from './checks.js';
import { RedisConnection } from './redisConnection.js';
import {
  ADD,
  CLAIM_FIELD,
  OPEN,
  READ_KEYS,
  RELEASE,
  RENEW,
  type Script,
  SET_FIELD,
  TRANSITION,
} from './scripts.js';

export interface RedisJournalOptions {
  /**
   * Where the journal lives: a `redis://` or `rediss://` URL (the journal opens its own
   * connection and closes it on `close()`), or an ioredis client you made (left open on `close()`).
   */
  readonly redis: string | Redis;
  /** Put before every key the journal writes, so journals can share a database. Default `switchyard:`. */
  readonly prefix?: string;
  /**
   * How long a batch's lease outlives its holder's last sign of life, in ms. Default 10 000. A
   * holder that is killed keeps its batches for up to this long; one whose Redis is out of reach
   * for longer may find its batch taken by another.
   */
  readonly leaseTtlMs?: number;
  /** How often a holder renews its leases, in ms. Default a third of `leaseTtlMs`. */
  readonly leaseRenewMs?: number;
  /** How long the first connection may take before the journal gives up, in ms. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** Clock for the journal's timestamps (ms). Default `Date.now`. */
  readonly now?: () => number;
}

/** The lease value of a batch open shared: the same for every writer, so each one's writes pass. */
const SHARED = JSON.stringify({ shared: true });

/** How many items one read asks Redis for. */
const CHUNK = 1_000;
/** A compare-and-set that keeps losing to other writers gives up after this many tries. */
const MAX_TRIES = 100;

const BATCH_FIELDS = ['kind', 'createdAt', 'updatedAt', 'sourceDone', ...ITEM_STATE_NAMES] as const;

/** A batch's hash fields (without its content) as a row and its counts. */
function statusOf(id: string, fields: readonly (string | null)[]): BatchStatus | undefined {
  const [kind, createdAt, updatedAt, sourceDone, ...counts] = fields;
  if (kind === null || kind === undefined) return undefined;
  const row: BatchRow = {
    id,
    kind,
    content: '',
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
    sourceDone: sourceDone === '1',
  };
  return batchStatus(
    row,
    Object.fromEntries(ITEM_STATE_NAMES.map((name, i) => [name, Number(counts[i] ?? 0)])),
  );
}

/** An item row as stored: JSON of its key, payload and state texts, and time; its position is the field. */
function parseRow(seq: number, text: string): ItemRow {
  const r = JSON.parse(text) as Omit<ItemRow, 'seq'>;
  return { seq, key: r.key, payload: r.payload, state: r.state, updatedAt: r.updatedAt };
}
function rowText(row: ItemRow): string {
  return JSON.stringify({ key: row.key, payload: row.payload, state: row.state, updatedAt: row.updatedAt });
}

/**
 * A journal of durable batches in Redis, for pools spread over several processes or hosts: the
 * same rules as the SQLite journal (`@switchyard/core`'s conformance suite checks both), with every
 * write one Lua script that checks and writes at once.
 *
 * A batch's lease is a key with a time to live, renewed by its holder every `leaseRenewMs`;
 * unlike SQLite's, the lease of a killed holder frees only when its time to live lapses. Run
 * Redis with `appendonly yes` (see the README) so a restart keeps what was written.
 */
export class RedisJournal implements Journal {
  readonly #connection: RedisConnection;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly #now: () => number;
  /** This journal as a lease holder: the value of each lease key it holds. */
  readonly #holder: string;
  /** The batches open here, each with the lease value it writes under (this holder's, or `SHARED`). */
  readonly #open = new Map<string, string>();
  readonly #renewal: NodeJS.Timeout;
  #renewing = false;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisJournalOptions | string) {
    const o: RedisJournalOptions = typeof options === 'string' ? { redis: options } : options;
    if (typeof o !== 'object' || o === null)
      throw new ValidationError([{ field: 'journal', reason: 'must be a Redis URL or options' }]);
    const prefix = o.prefix ?? 'switchyard:';
    if (typeof prefix !== 'string' || prefix.length > 200)
      throw new ValidationError([
        { field: 'journal.prefix', reason: 'must be a string of 0–200 characters' },
      ]);
    this.#prefix = prefix;
    this.#ttl = positive(o.leaseTtlMs, 10_000, 'journal.leaseTtlMs', 100);
    // A third of the time to live: two renewals may be lost before the lease lapses.
    const renew = positive(o.leaseRenewMs, Math.floor(this.#ttl / 3), 'journal.leaseRenewMs', 10);
    if (renew >= this.#ttl)
      throw new ValidationError([{ field: 'journal.leaseRenewMs', reason: 'must be less than leaseTtlMs' }]);
    const connectTimeoutMs = positive(o.connectTimeoutMs, 5_000, 'journal.connectTimeoutMs', 1);
    this.#now = o.now ?? Date.now;
    this.#connection = new RedisConnection(o.redis, 'journal.redis', connectTimeoutMs);
    this.#client = this.#connection.client;
    this.#holder = JSON.stringify({ owner: randomUUID(), pid: process.pid, host: hostname() });
    this.#renewal = setInterval(() => void this.#renew(), renew);
    this.#renewal.unref();
  }

  open(spec: BatchSpec): Promise<OpenBatch> {
    return this.#openAs(spec, this.#holder);
  }

  /**
   * Open a batch that journals on several processes write at once (the nodes of a cluster): every
   * shared open of a batch holds its lease together (an exclusive `open` is refused meanwhile, and
   * a shared open while an exclusive one holds it). Its writes are atomic as ever, so writers that
   * start items should move them with `transition(key, next, { expect })`: of two that race, one
   * wins and the other gets `JournalTransitionError`. `release()` stops this journal's renewals;
   * the lease lapses `leaseTtlMs` after the last shared holder's.
   */
  openShared(spec: BatchSpec): Promise<OpenBatch> {
    return this.#openAs(spec, SHARED);
  }

  async #openAs(spec: BatchSpec, holder: string): Promise<OpenBatch> {
    if (this.#closed) throw closedJournal();
    const content = checkBatchSpec(spec);
    await this.#connected();
    if (this.#open.has(spec.id)) throw new JournalLeaseError(spec.id, 'this process');
    const reply = (await OPEN.run(
      this.#client,
      [this.#key('lease', spec.id), this.#key('batch', spec.id), `${this.#prefix}batches`],
      [holder, this.#ttl, spec.id, spec.kind, content, this.#now(), ...ITEM_STATE_NAMES],
    )) as [string, string?, string?];
    if (reply[0] === 'held') throw this.#leaseError(spec.id, reply[1] ?? '');
    if (reply[0] === 'differs')
      checkResume({ id: spec.id, kind: reply[1] ?? '', content: reply[2] ?? '' }, spec.kind, content);
    this.#open.set(spec.id, holder);
    return this.#batch(spec, content, reply[0] === 'created');
  }

  async status(id: string): Promise<BatchStatus | undefined> {
    if (this.#closed) throw closedJournal();
    await this.#connected();
    return statusOf(id, await this.#client.hmget(this.#key('batch', id), ...BATCH_FIELDS));
  }

  async list(): Promise<BatchStatus[]> {
    if (this.#closed) throw closedJournal();
    await this.#connected();
    // Scores are creation times; Redis orders equal scores by id.
    const ids = await this.#client.zrange(`${this.#prefix}batches`, '0', '-1');
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hmget(this.#key('batch', id), ...BATCH_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    const out: BatchStatus[] = [];
    ids.forEach((id, i) => {
      const [error, fields] = replies[i] ?? [];
      if (error) throw error;
      const status = statusOf(id, fields as (string | null)[]);
      if (status !== undefined) out.push(status);
    });
    return out;
  }

  async spec(id: string): Promise<BatchSpec | undefined> {
    if (this.#closed) throw closedJournal();
    await this.#connected();
    const [kind, content] = await this.#client.hmget(this.#key('batch', id), 'kind', 'content');
    return kind === null || kind === undefined || content === null || content === undefined
      ? undefined
      : batchSpec({ id, kind, content });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewal);
    // With Redis out of reach the leases are left to lapse: waiting for it would hang close().
    if (this.#client.status === 'ready') for (const id of [...this.#open.keys()]) await this.#release(id);
    this.#open.clear();
    await this.#connection.close();
  }

  #key(kind: 'batch' | 'items' | 'keys' | 'cursors' | 'lease', id: string): string {
    return `${this.#prefix}${kind}:${id}`;
  }

  /** Resolves once Redis has answered; rejects, naming where, when it cannot be reached. */
  #connected(): Promise<void> {
    this.#ready ??= this.#connect();
    return this.#ready;
  }

  #connect(): Promise<void> {
    const where = this.#connection.where;
    return this.#connection.firstAnswer((reason, cause) => new JournalOpenError(where, reason, cause));
  }

  #leaseError(id: string, held: string): JournalLeaseError {
    if (held === SHARED) return new JournalLeaseError(id, 'shared opens (a cluster)');
    try {
      const h = JSON.parse(held) as { pid?: unknown; host?: unknown };
      if (typeof h.pid === 'number' && typeof h.host === 'string')
        return new JournalLeaseError(id, leaseHolder(h.pid, h.host));
    } catch {}
    return new JournalLeaseError(id, 'another holder');
  }

  /** Runs a write script; a reply of `lost` (another holder has the lease) throws. */
  async #write(script: Script, id: string, keys: readonly string[], args: readonly (string | number)[]) {
    const reply = (await script.run(
      this.#client,
      [this.#key('lease', id), this.#key('batch', id), ...keys],
      [this.#open.get(id) ?? this.#holder, this.#ttl, ...args],
    )) as [string, unknown?];
    if (reply[0] === 'lost') throw this.#leaseError(id, String(reply[1]));
    return reply;
  }

  async #renew(): Promise<void> {
    // A renewal still waiting (Redis out of reach) is not joined by another.
    if (this.#renewing || this.#open.size === 0 || this.#client.status !== 'ready') return;
    this.#renewing = true;
    try {
      for (const [id, holder] of this.#open)
        await RENEW.run(this.#client, [this.#key('lease', id)], [holder, this.#ttl]);
    } catch {
      // Renewed at the next tick; a lease taken by another shows at this holder's next write.
    } finally {
      this.#renewing = false;
    }
  }

  async #release(id: string): Promise<void> {
    const holder = this.#open.get(id);
    if (holder === undefined || !this.#open.delete(id)) return;
    // A shared lease is the other writers' too: it lapses after the last one's renewal.
    if (holder === SHARED || this.#client.status !== 'ready') return;
    await RELEASE.run(this.#client, [this.#key('lease', id)], [this.#holder]);
  }

  /** Items by key, and the batch's count of items, read at one instant. */
  async #readKeys(
    id: string,
    keys: readonly string[],
  ): Promise<{ total: number; rows: Map<string, ItemRow> }> {
    const reply = (await READ_KEYS.run(
      this.#client,
      [this.#key('keys', id), this.#key('items', id), this.#key('batch', id)],
      keys,
    )) as (string | null)[];
    const [total, ...pairs] = reply;
    if (total === null || total === undefined) throw goneBatch(id);
    const rows = new Map<string, ItemRow>();
    keys.forEach((key, i) => {
      const seq = pairs[2 * i];
      const text = pairs[2 * i + 1];
      if (typeof seq === 'string' && typeof text === 'string') rows.set(key, parseRow(Number(seq), text));
    });
    return { total: Number(total), rows };
  }

  #batch(spec: BatchSpec, content: string, created: boolean): OpenBatch {
    const id = spec.id;
    const live = () => {
      if (this.#closed) throw closedJournal();
      if (!this.#open.has(id)) throw releasedBatch(id);
    };
    return {
      id,
      kind: spec.kind,
      content: JSON.parse(content) as JsonValue,
      created,
      add: async (items) => {
        live();
        const given = checkNewItems(items);
        if (given.length === 0) return [];
        const keys = [...new Set(given.map((i) => i.key))];
        for (let tries = 0; tries < MAX_TRIES; tries++) {
          const { rows } = await this.#readKeys(id, keys);
          const now = this.#now();
          // Checked before anything is written, so a refused add records nothing. New items are
          // planned from position 0 and moved to where Redis puts them: concurrent adds of other
          // keys do not conflict.
          const { fresh, out } = planAdd(id, given, (key) => rows.get(key), 0, now);
          if (fresh.length === 0) return out;
          const [outcome, at] = await this.#write(
            ADD,
            id,
            [this.#key('items', id), this.#key('keys', id)],
            [now, ...fresh.flatMap((row) => [row.key, rowText(row)])],
          );
          if (outcome === 'gone') throw goneBatch(id);
          // Another add recorded one of these keys meanwhile: read them again.
          if (outcome !== 'ok') continue;
          const first = Number(at);
          const added = new Set(fresh.map((row) => row.key));
          return out.map((item) => (added.has(item.key) ? { ...item, seq: item.seq + first } : item));
        }
        throw this.#busy(id);
      },
      get: async (key) => {
        live();
        return this.#readKeys(id, [key]).then(({ rows }) => {
          const row = rows.get(key);
          return row === undefined ? undefined : toJournalItem(row);
        });
      },
      items: async (options = {}) => {
        live();
        const { fromSeq, limit } = checkItemRange(options);
        const total = Number((await this.#client.hget(this.#key('batch', id), 'total')) ?? 0);
        const end = Math.min(total, fromSeq + limit);
        const out: JournalItem[] = [];
        for (let start = fromSeq; start < end; start += CHUNK) {
          const seqs = Array.from({ length: Math.min(CHUNK, end - start) }, (_, i) => start + i);
          const texts = await this.#client.hmget(this.#key('items', id), ...seqs.map(String));
          texts.forEach((text, i) => {
            if (text !== null) out.push(toJournalItem(parseRow(seqs[i] as number, text)));
          });
        }
        return out;
      },
      transition: async (key, next: ItemState, options = {}) => {
        live();
        const text = journalJson(next, 'state');
        for (let tries = 0; tries < MAX_TRIES; tries++) {
          const row = (await this.#readKeys(id, [key])).rows.get(key);
          if (row === undefined) throw noSuchItem(id, key);
          const now = this.#now();
          const change = planTransition(id, row, next, text, now, options.expect);
          if (change === undefined) return toJournalItem(row);
          const written = rowText({ ...row, state: text, updatedAt: now });
          const [ok] = await this.#write(
            TRANSITION,
            id,
            [this.#key('items', id)],
            [row.seq, rowText(row), written, change.from, next.state, now],
          );
          // Another writer changed the item between the read and the write: read it again.
          if (ok === 'ok') return change.item;
        }
        throw this.#busy(id);
      },
      setCursor: async (name, value) => {
        live();
        const text = journalJson(value, 'cursor');
        await this.#write(SET_FIELD, id, [this.#key('cursors', id)], [this.#now(), name, text]);
      },
      claimCursor: async (name, value) => {
        live();
        const text = journalJson(value, 'cursor');
        const [, held] = await this.#write(
          CLAIM_FIELD,
          id,
          [this.#key('cursors', id)],
          [this.#now(), name, text],
        );
        return JSON.parse(String(held)) as JsonValue;
      },
      cursor: async (name) => {
        live();
        const text = await this.#client.hget(this.#key('cursors', id), name);
        return text === null ? undefined : (JSON.parse(text) as JsonValue);
      },
      markSourceDone: async () => {
        live();
        await this.#write(SET_FIELD, id, [this.#key('batch', id)], [this.#now(), 'sourceDone', '1']);
      },
      status: async () => {
        live();
        const status = await this.status(id);
        if (status === undefined) throw goneBatch(id);
        return status;
      },
      release: async () => {
        if (this.#closed) return;
        await this.#release(id);
      },
    };
  }

  #busy(id: string): Error {
    return new ValidationError([
      {
        field: 'batch',
        reason: `"${id}" kept changing under this write (${MAX_TRIES} tries); is another writer holding it?`,
      },
    ]);
  }
}
