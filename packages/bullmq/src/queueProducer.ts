import { BulkOperation, type JsonValue, ValidationError } from '@switchyard/core';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { name, positive } from './checks.js';
import { parseFailedReason } from './jobFailure.js';
import { JobFailedError, QueueConnectError } from './queueErrors.js';
import { RedisConnection } from './redisConnection.js';

export interface OpenQueueOptions {
  /** The BullMQ queue to add jobs to. Use one queue per kind of work (see the README). */
  readonly queue: string;
  /** A `redis://` / `rediss://` URL (a connection is made and closed with the producer), or an ioredis client (left open). */
  readonly connection: string | Redis;
  /** BullMQ's key prefix. Default `bull`. */
  readonly prefix?: string;
  /**
   * How many times BullMQ may run a job whose failure is safe to retry (the consumer decides
   * which are). Default 3.
   */
  readonly attempts?: number;
  /** First delay before such a retry, doubled each time. Default 1 000 ms. */
  readonly backoffMs?: number;
  /**
   * How often outstanding jobs are read back from Redis, in case an event was missed (the
   * events stream is capped). Default 5 000 ms.
   */
  readonly reconcileIntervalMs?: number;
  /** How long the first connection may take. Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
}

/** One item of a batch: a job named `name` (it picks the consumer's handler) with `data`. */
export interface QueueItem {
  /** The item's key, unique in its batch: the job id is `batchJobId(batchId, key)`. */
  readonly key: string;
  readonly name: string;
  readonly data: JsonValue;
}

export interface EnqueueOptions {
  /** Names the batch: enqueueing it again adds nothing and reports its jobs as they finish(ed). */
  readonly batchId: string;
}

/** What happened to one job, like an entry of `Promise.allSettled`. */
export type JobOutcome<T> =
  | { readonly key: string; readonly jobId: string; readonly status: 'fulfilled'; readonly value: T }
  | {
      readonly key: string;
      readonly jobId: string;
      readonly status: 'rejected';
      readonly reason: JobFailedError;
    };

export interface EnqueueSummary {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  /** Failures counted by code. */
  readonly byError: Readonly<Record<string, number>>;
}

export interface EnqueueReport<T> {
  /** One outcome per item, by key. */
  readonly results: Map<string, JobOutcome<T>>;
  readonly summary: EnqueueSummary;
}

/**
 * The BullMQ job id of an item of a batch. BullMQ refuses `:` in ids, so both parts are
 * URI-encoded and joined by `/`: two different (batch, key) pairs never share an id.
 */
export function batchJobId(batchId: string, key: string): string {
  return `${encodeURIComponent(batchId)}/${encodeURIComponent(key)}`;
}

/** How many jobs one `addBulk` or one read-back sends. */
const CHUNK = 1_000;

type Finish = { readonly value: unknown } | { readonly failedReason: string };
type Listener = (finish: Finish) => void;

/** Adds batches of jobs to a BullMQ queue and reports their outcomes, whichever consumer ran them. */
export class QueueProducer {
  readonly queue: string;
  /** The BullMQ queue, for whatever else you need of it (counts, pause, clean). */
  readonly bullQueue: Queue;
  readonly #connection: RedisConnection;
  readonly #events: QueueEvents;
  readonly #attempts: number;
  readonly #backoffMs: number;
  /** Outstanding jobs: who waits for each. */
  readonly #waiting = new Map<string, Set<Listener>>();
  readonly #reconcile: NodeJS.Timeout;
  #reconciling = false;
  #closed = false;

  /** Use `openQueue`. */
  constructor(
    queue: string,
    connection: RedisConnection,
    prefix: string,
    lastEventId: string,
    options: { attempts: number; backoffMs: number; reconcileIntervalMs: number },
  ) {
    this.queue = queue;
    this.#connection = connection;
    this.#attempts = options.attempts;
    this.#backoffMs = options.backoffMs;
    this.bullQueue = new Queue(queue, { connection: connection.client, prefix });
    this.bullQueue.on('error', () => {});
    // From the stream's last entry at open: no finish after that is missed.
    this.#events = new QueueEvents(queue, { connection: connection.client, prefix, lastEventId });
    this.#events.on('error', () => {});
    this.#events.on('completed', ({ jobId, returnvalue }) => this.#finish(jobId, { value: returnvalue }));
    this.#events.on('failed', ({ jobId, failedReason }) => this.#finish(jobId, { failedReason }));
    this.#reconcile = setInterval(() => void this.#readBackAll(), options.reconcileIntervalMs);
    this.#reconcile.unref();
  }

  /**
   * Add a batch's items as jobs (id `batchJobId(batchId, key)`), once: an item whose job exists
   * is not added again, whatever its state. `results$` streams each job's outcome as it
   * finishes (including jobs that had finished before the call); awaiting the operation gives
   * `{ results, summary }` once every job has finished for good. Bad input throws here, before
   * anything is sent.
   */
  enqueue<T = JsonValue>(
    items: Iterable<QueueItem>,
    options: EnqueueOptions,
  ): BulkOperation<JobOutcome<T>, EnqueueReport<T>> {
    if (this.#closed) throw new ValidationError([{ field: 'queue', reason: 'is closed' }]);
    const batchId = name(options?.batchId, 'batchId');
    const list = checkItems(items);
    return new BulkOperation<JobOutcome<T>, EnqueueReport<T>>(
      (emit, signal) =>
        new Promise((resolve, reject) => {
          const results = new Map<string, JobOutcome<T>>();
          const byError: Record<string, number> = {};
          let failed = 0;
          const listeners = new Map<string, Listener>();
          const stop = () => {
            for (const [jobId, listener] of listeners) this.#unlisten(jobId, listener);
            signal.removeEventListener('abort', cancel);
          };
          const done = () => {
            stop();
            const summary = { total: list.length, completed: list.length - failed, failed, byError };
            resolve({ results, summary });
          };
          const cancel = () => {
            stop();
            reject(signal.reason);
          };
          signal.addEventListener('abort', cancel, { once: true });
          for (const item of list) {
            const jobId = batchJobId(batchId, item.key);
            const listener: Listener = (finish) => {
              if (results.has(item.key)) return;
              let outcome: JobOutcome<T>;
              if ('value' in finish) {
                outcome = { key: item.key, jobId, status: 'fulfilled', value: finish.value as T };
              } else {
                const { code, reason } = parseFailedReason(finish.failedReason);
                outcome = {
                  key: item.key,
                  jobId,
                  status: 'rejected',
                  reason: new JobFailedError(jobId, item.key, code, reason),
                };
                failed++;
                byError[code] = (byError[code] ?? 0) + 1;
              }
              results.set(item.key, outcome);
              emit(outcome);
              if (results.size === list.length) done();
            };
            listeners.set(jobId, listener);
            this.#listen(jobId, listener);
          }
          if (list.length === 0) done();
          void this.#add(batchId, list, signal).catch((error: unknown) => {
            stop();
            reject(error);
          });
        }),
    );
  }

  /**
   * At most `concurrency` jobs of this queue active at once, over every consumer (BullMQ's global
   * concurrency). With one queue per kind, that is a per-kind limit across the cluster.
   */
  async setGlobalConcurrency(concurrency: number): Promise<void> {
    await this.bullQueue.setGlobalConcurrency(positive(concurrency, 1, 'concurrency', 1));
  }

  /** Lift the global concurrency limit. */
  async removeGlobalConcurrency(): Promise<void> {
    await this.bullQueue.removeGlobalConcurrency();
  }

  /** Stop listening and close the connections it made. Batches not finished stop waiting (their jobs stay queued). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#reconcile);
    await this.#events.close();
    await this.bullQueue.close();
    await this.#connection.close();
  }

  async #add(batchId: string, list: readonly QueueItem[], signal: AbortSignal): Promise<void> {
    for (let i = 0; i < list.length && !signal.aborted; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK);
      await this.bullQueue.addBulk(
        chunk.map((item) => ({
          name: item.name,
          data: item.data,
          opts: {
            jobId: batchJobId(batchId, item.key),
            attempts: this.#attempts,
            backoff: { type: 'exponential', delay: this.#backoffMs },
            // Finished jobs are kept: a job id that no longer exists would be added (and run) again.
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
      // Jobs that existed may have finished before this call, with no event left to hear.
      await this.#readBack(chunk.map((item) => batchJobId(batchId, item.key)));
    }
  }

  #listen(jobId: string, listener: Listener): void {
    const set = this.#waiting.get(jobId) ?? new Set<Listener>();
    this.#waiting.set(jobId, set);
    set.add(listener);
  }

  #unlisten(jobId: string, listener: Listener): void {
    const set = this.#waiting.get(jobId);
    set?.delete(listener);
    if (set?.size === 0) this.#waiting.delete(jobId);
  }

  #finish(jobId: string, finish: Finish): void {
    const set = this.#waiting.get(jobId);
    if (set === undefined) return;
    for (const listener of [...set]) listener(finish);
  }

  /** Read outstanding jobs' states back from Redis: those finished are reported as an event would. */
  async #readBack(ids: readonly string[]): Promise<void> {
    const q = this.bullQueue;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK).filter((id) => this.#waiting.has(id));
      if (chunk.length === 0) continue;
      const pipeline = this.#connection.client.pipeline();
      for (const id of chunk) {
        pipeline.zscore(q.keys.completed as string, id);
        pipeline.zscore(q.keys.failed as string, id);
        pipeline.hmget(q.toKey(id), 'returnvalue', 'failedReason');
      }
      const replies = (await pipeline.exec()) ?? [];
      chunk.forEach((id, n) => {
        const [completed, failed, fields] = [0, 1, 2].map((k) => {
          const [error, value] = replies[3 * n + k] ?? [];
          if (error) throw error;
          return value;
        });
        const [returnvalue, failedReason] = (fields ?? []) as (string | null)[];
        if (completed !== null && completed !== undefined)
          this.#finish(id, {
            value: returnvalue === null || returnvalue === undefined ? null : JSON.parse(returnvalue),
          });
        else if (failed !== null && failed !== undefined)
          this.#finish(id, { failedReason: failedReason ?? '' });
      });
    }
  }

  async #readBackAll(): Promise<void> {
    // A read-back still waiting (Redis out of reach) is not joined by another.
    if (this.#reconciling || this.#waiting.size === 0 || this.#connection.client.status !== 'ready') return;
    this.#reconciling = true;
    try {
      await this.#readBack([...this.#waiting.keys()]);
    } catch {
      // Redis out of reach: the next interval tries again, and events still arrive.
    } finally {
      this.#reconciling = false;
    }
  }
}

function checkItems(items: Iterable<QueueItem>): QueueItem[] {
  if (
    typeof (items as Iterable<QueueItem> | null)?.[Symbol.iterator] !== 'function' ||
    typeof items === 'string'
  )
    throw new ValidationError([{ field: 'items', reason: 'must be an iterable of { key, name, data }' }]);
  const list = [...items];
  const keys = new Set<string>();
  list.forEach((item, i) => {
    if (typeof item !== 'object' || item === null)
      throw new ValidationError([{ field: `items[${i}]`, reason: 'must be an object { key, name, data }' }]);
    name(item.key, `items[${i}].key`, 1_000);
    name(item.name, `items[${i}].name`);
    if (item.data === undefined)
      throw new ValidationError([{ field: `items[${i}].data`, reason: 'must be a JSON value' }]);
    if (keys.has(item.key))
      throw new ValidationError([{ field: `items[${i}].key`, reason: `repeats the key "${item.key}"` }]);
    keys.add(item.key);
  });
  return list;
}

/**
 * Open a BullMQ queue for adding batches. Resolves once Redis has answered; otherwise rejects
 * with `QueueConnectError` naming the URL (never its password), and nothing is sent.
 */
export async function openQueue(options: OpenQueueOptions): Promise<QueueProducer> {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError([{ field: 'options', reason: 'must be an object' }]);
  const queue = name(options.queue, 'queue');
  const prefix = name(options.prefix ?? 'bull', 'prefix');
  const settings = {
    attempts: positive(options.attempts, 3, 'attempts', 1),
    backoffMs: positive(options.backoffMs, 1_000, 'backoffMs', 0),
    reconcileIntervalMs: positive(options.reconcileIntervalMs, 5_000, 'reconcileIntervalMs', 10),
  };
  const connection = new RedisConnection(
    options.connection,
    'connection',
    positive(options.connectTimeoutMs, 5_000, 'connectTimeoutMs', 1),
  );
  const where = connection.where;
  await connection.firstAnswer((reason, cause) => new QueueConnectError(queue, where, reason, cause));
  const last = await connection.client.xrevrange(`${prefix}:${queue}:events`, '+', '-', 'COUNT', 1);
  return new QueueProducer(queue, connection, prefix, last[0]?.[0] ?? '0', settings);
}
