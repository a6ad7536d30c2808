import { randomUUID } from 'node:crypto';
import {
  type JsonValue,
  type Pool,
  PoolClosedError,
  TaskCancelledError,
  type TaskSpec,
  ValidationError,
} from '@switchyard/core';
import { Job, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import type { Subscription } from 'rxjs';
import { name, positive } from './checks.js';
import { failedReasonText, jobFailure } from './jobFailure.js';
import { JobLockLostError, QueueConnectError } from './queueErrors.js';
import { capacityChanges, readySlots } from './readySlots.js';
import { RedisConnection } from './redisConnection.js';

/** What a handler sees of a job. */
export interface QueueJob {
  /** The BullMQ job id (an `enqueue`'s is `batchJobId(batchId, key)`). */
  readonly id: string;
  /** The job name; it chose the handler. */
  readonly name: string;
  readonly data: JsonValue;
  readonly queue: string;
  /** 1 for the first attempt; BullMQ's retries (its `attempts`) count up. */
  readonly attempt: number;
  /**
   * How many times a consumer has taken this job, this time included. More than `attempt` when
   * an earlier run was cut off (its consumer was killed, or gave it back on close) and so may
   * have had its effect: a handler that must not repeat an effect checks its own record (e.g. a
   * journal's `attempting` entry) before it acts.
   */
  readonly taken: number;
}

/** How a task ended in the pool, as a `JobTask`'s `settle` gets it. */
export type TaskOutcome = { readonly value: unknown } | { readonly error: unknown };

/**
 * A pool task whose outcome is turned into the job's by `settle` before the job is moved: what it
 * resolves to completes the job; a rejection fails it as a task failure would (retried only when
 * safe); a `JobLater` puts the job back, delayed.
 */
export interface JobTask<R> {
  readonly task: TaskSpec<R, unknown>;
  readonly settle: (outcome: TaskOutcome) => unknown;
}

/**
 * "Not now": the job goes back to the queue, delayed by `delayMs`, without spending one of its
 * attempts (any consumer may take it then). A handler or a `settle` returns it (`jobLater(ms)`).
 */
export class JobLater {
  constructor(readonly delayMs: number) {}
}

/** The job goes back to the queue for `delayMs` (≥ 0), no attempt spent. */
export function jobLater(delayMs: number): JobLater {
  if (!Number.isFinite(delayMs) || delayMs < 0)
    throw new ValidationError([{ field: 'delayMs', reason: 'must be a finite number ≥ 0' }]);
  return new JobLater(delayMs);
}

/**
 * Turns a job into a pool task (a task spec, or a `JobTask` whose `settle` makes the job's
 * result), or into `jobLater(ms)`. It may be async; throwing fails the job for good.
 */
export type JobHandler<R> = (
  job: QueueJob,
) => TaskSpec<R, unknown> | JobTask<R> | JobLater | Promise<TaskSpec<R, unknown> | JobTask<R> | JobLater>;

export interface ServeQueueOptions<R> {
  /** The BullMQ queue to take jobs from. Use one queue per kind of work (see the README). */
  readonly queue: string;
  /** A `redis://` / `rediss://` URL (a connection is made and closed with the consumer), or an ioredis client (left open). */
  readonly connection: string | Redis;
  /** A handler per job name. A job whose name has none fails for good. */
  readonly handlers: Readonly<Record<string, JobHandler<R>>>;
  /** The pool task kind of the queue's jobs, unless a handler's spec names one. Default: the queue name. */
  readonly kind?: string;
  /** Capabilities every job of the queue needs: only workers with all of them count as room. Also given to each task. */
  readonly requires?: readonly string[];
  /** BullMQ's key prefix. Default `bull`. */
  readonly prefix?: string;
  /** Most jobs this consumer holds at once, whatever the pool's room. Default: no cap. */
  readonly maxJobs?: number;
  /** How long a taken job's lock lasts unless renewed (renewed every half of it). Default 30 000 ms. */
  readonly lockDurationMs?: number;
  /** How often this consumer looks for stalled jobs (locks that lapsed) and puts them back. Default 30 000 ms. */
  readonly stalledIntervalMs?: number;
  /** How many times a job may stall before BullMQ fails it. Default 1. */
  readonly maxStalledCount?: number;
  /** How often an idle consumer looks again for jobs and room, besides the queue's and pool's events. Default 1 000 ms. */
  readonly pollIntervalMs?: number;
  /** How long the first connection may take. Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface CloseConsumerOptions {
  /** true (default): let the jobs taken finish. false: abort their tasks and give the jobs back to the queue. */
  readonly drain?: boolean;
  /** With drain: give back whatever is still running after this long. */
  readonly timeoutMs?: number;
}

/** A pool taking jobs from a BullMQ queue. */
export interface QueueConsumer {
  readonly queue: string;
  /** Jobs taken and not yet moved to completed, failed or back to wait. */
  readonly active: number;
  /** Stops taking jobs; then drains (or gives back) those taken and closes every connection and timer it made. */
  close(options?: CloseConsumerOptions): Promise<void>;
}

interface Held {
  readonly job: Job;
  readonly token: string;
  readonly controller: AbortController;
  started: boolean;
  /** Its lock could not be renewed: another consumer may have it now, so this one leaves it alone. */
  lost: boolean;
}

type Settled =
  | { readonly value: unknown }
  | { readonly error: unknown; readonly idempotent: boolean }
  | { readonly later: JobLater };

/**
 * Serve a BullMQ queue with a pool: take a job only while the pool has a ready worker with a free
 * slot for it, run it as a pool task, and move it to completed (with the task's result) or
 * failed. Resolves once Redis has answered; rejects with `QueueConnectError` otherwise.
 */
export async function serveQueue<R>(pool: Pool<R>, options: ServeQueueOptions<R>): Promise<QueueConsumer> {
  const consumer = new Consumer(pool, options);
  await consumer.start();
  return consumer;
}

class Consumer<R> implements QueueConsumer {
  readonly queue: string;
  readonly #pool: Pool<R>;
  readonly #handlers: Readonly<Record<string, JobHandler<R>>>;
  readonly #kind: string;
  readonly #requires: readonly string[];
  readonly #prefix: string;
  readonly #maxJobs: number;
  readonly #lockDurationMs: number;
  readonly #stalledIntervalMs: number;
  readonly #maxStalledCount: number;
  readonly #pollIntervalMs: number;
  readonly #log: Logger;
  readonly #connection: RedisConnection;
  readonly #id = randomUUID();
  readonly #held = new Map<string, Held>();
  /** Settles of held jobs, so close can wait for them. */
  readonly #settling = new Set<Promise<void>>();
  #worker: Worker | undefined;
  #events: QueueEvents | undefined;
  #room: Subscription | undefined;
  #lockTimer: NodeJS.Timeout | undefined;
  #renewing = false;
  #tokens = 0;
  /** Jobs being fetched or turned into tasks: not yet in the pool's counts. */
  #reserved = 0;
  #wake: (() => void) | undefined;
  #loop: Promise<void> = Promise.resolve();
  #closing = false;
  /** Redis came back after a loss: look for jobs taken whose reply was lost. */
  #reconnected = false;
  /** Close without drain (or past its timeout): tasks cancelled give their jobs back. */
  #givingBack = false;
  #closed: Promise<void> | undefined;

  constructor(pool: Pool<R>, o: ServeQueueOptions<R>) {
    if (typeof o !== 'object' || o === null)
      throw new ValidationError([{ field: 'options', reason: 'must be an object' }]);
    if (typeof pool?.submit !== 'function' || typeof pool.snapshot !== 'function')
      throw new ValidationError([{ field: 'pool', reason: 'must be a pool made by createPool' }]);
    this.#pool = pool;
    this.queue = name(o.queue, 'queue');
    if (typeof o.handlers !== 'object' || o.handlers === null)
      throw new ValidationError([
        { field: 'handlers', reason: 'must be an object of functions by job name' },
      ]);
    for (const [jobName, handler] of Object.entries(o.handlers))
      if (typeof handler !== 'function')
        throw new ValidationError([{ field: `handlers.${jobName}`, reason: 'must be a function' }]);
    this.#handlers = o.handlers;
    this.#kind = name(o.kind ?? this.queue, 'kind', 64);
    if (
      o.requires !== undefined &&
      (!Array.isArray(o.requires) || o.requires.some((c) => typeof c !== 'string'))
    )
      throw new ValidationError([{ field: 'requires', reason: 'must be an array of strings' }]);
    this.#requires = o.requires ?? [];
    this.#prefix = name(o.prefix ?? 'bull', 'prefix');
    this.#maxJobs = positive(o.maxJobs, Number.MAX_SAFE_INTEGER, 'maxJobs', 1);
    this.#lockDurationMs = positive(o.lockDurationMs, 30_000, 'lockDurationMs', 100);
    this.#stalledIntervalMs = positive(o.stalledIntervalMs, 30_000, 'stalledIntervalMs', 100);
    this.#maxStalledCount = positive(o.maxStalledCount, 1, 'maxStalledCount', 0);
    this.#pollIntervalMs = positive(o.pollIntervalMs, 1_000, 'pollIntervalMs', 10);
    const connectTimeoutMs = positive(o.connectTimeoutMs, 5_000, 'connectTimeoutMs', 1);
    this.#log = (o.logger ?? pino({ level: 'silent' })).child({ queue: this.queue });
    this.#connection = new RedisConnection(o.connection, 'connection', connectTimeoutMs);
  }

  get active(): number {
    return this.#held.size;
  }

  async start(): Promise<void> {
    const where = this.#connection.where;
    await this.#connection.firstAnswer(
      (reason, cause) => new QueueConnectError(this.queue, where, reason, cause),
    );
    const connection = this.#connection.client;
    const worker = new Worker(this.queue, null, {
      connection,
      prefix: this.#prefix,
      autorun: false,
      lockDuration: this.#lockDurationMs,
      stalledInterval: this.#stalledIntervalMs,
      maxStalledCount: this.#maxStalledCount,
    });
    this.#worker = worker;
    worker.on('error', (error) => this.#log.warn({ err: error.message }, 'BullMQ worker error'));
    const events = new QueueEvents(this.queue, { connection, prefix: this.#prefix });
    this.#events = events;
    events.on('error', (error) => this.#log.warn({ err: error.message }, 'BullMQ queue events error'));
    // A job arrived, or a slot of the queue's global concurrency freed: look again.
    for (const e of ['waiting', 'completed', 'failed'] as const) events.on(e, () => this.#poke());
    await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
    // Stalled jobs (their consumer died) go back to wait for any consumer to take.
    await worker.startStalledCheckTimer();
    this.#room = capacityChanges(this.#pool.events$).subscribe(() => this.#poke());
    connection.on('ready', this.#onReconnect);
    // Half the lock's life: one renewal may be lost before the lock lapses.
    this.#lockTimer = setInterval(() => void this.#renewLocks(), Math.floor(this.#lockDurationMs / 2));
    this.#lockTimer.unref();
    this.#loop = this.#run();
  }

  /** Room for one more job now: the pool's ready slots and this consumer's cap, less jobs on their way. */
  #hasRoom(): boolean {
    if (this.#held.size + this.#reserved >= this.#maxJobs) return false;
    return readySlots(this.#pool.snapshot(), this.#requires) - this.#reserved > 0;
  }

  readonly #onReconnect = () => {
    this.#reconnected = true;
    this.#poke();
  };

  /**
   * A take whose reply was lost with the connection (ioredis sends it again, which takes another
   * job) leaves a job active under this consumer's lock that it does not hold. Nothing ran it:
   * run it now, rather than leave it to lapse and wait for the stalled-job check.
   */
  async #adoptOrphans(): Promise<void> {
    const worker = this.#worker as Worker;
    const client = this.#connection.client;
    const ids = await client.lrange(worker.keys.active as string, 0, -1);
    if (ids.length === 0) return;
    const locks = await client.mget(...ids.map((id) => `${worker.toKey(id)}:lock`));
    for (const [i, id] of ids.entries()) {
      const token = locks[i];
      if (typeof token !== 'string' || !token.startsWith(`${this.#id}:`) || this.#held.has(id)) continue;
      const job = await Job.fromId(worker, id);
      if (job === undefined) continue;
      this.#log.warn({ job: id }, 'took a job whose reply was lost with the connection; running it');
      this.#reserved++;
      this.#track(this.#take(job, token));
    }
  }

  async #run(): Promise<void> {
    const worker = this.#worker as Worker;
    while (!this.#closing) {
      if (this.#reconnected) {
        this.#reconnected = false;
        // Between takes: no take is in flight whose job could be mistaken for an orphan.
        await this.#adoptOrphans().catch((error: unknown) => {
          this.#reconnected = true;
          this.#log.warn({ err: (error as Error).message }, 'could not look for orphaned jobs');
        });
      }
      if (!this.#hasRoom()) {
        await this.#idle();
        continue;
      }
      const token = `${this.#id}:${this.#tokens++}`;
      this.#reserved++;
      let job: Job | undefined;
      try {
        // Not blocking: room is checked right before each take, never during a long wait.
        job = await worker.getNextJob(token, { block: false });
      } catch (error) {
        this.#log.warn({ err: (error as Error).message }, 'could not take a job');
      }
      if (job === undefined) {
        this.#reserved--;
        await this.#idle();
        continue;
      }
      this.#track(this.#take(job, token));
    }
  }

  /** Wait for a poke (a job arrived, room opened), the poll interval, or close. */
  #idle(): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#poke(), this.#pollIntervalMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #track(settling: Promise<void>): void {
    this.#settling.add(settling);
    void settling.finally(() => this.#settling.delete(settling));
  }

  async #take(job: Job, token: string): Promise<void> {
    const id = job.id as string;
    // Taken again while an earlier take still runs: that one's lock lapsed (this consumer was
    // paused past lockDurationMs) and the stalled-job check put the job back before a renewal
    // could tell. The earlier run ends as any other whose lock was lost.
    const earlier = this.#held.get(id);
    if (earlier !== undefined) this.#lose(earlier);
    const held: Held = { job, token, controller: new AbortController(), started: false, lost: false };
    this.#held.set(id, held);
    let idempotent = false;
    let submitted: Promise<unknown>;
    let settle: JobTask<R>['settle'] | undefined;
    let later: JobLater | undefined;
    try {
      const handler = Object.hasOwn(this.#handlers, job.name) ? this.#handlers[job.name] : undefined;
      if (handler === undefined)
        throw new ValidationError([
          { field: 'handlers', reason: `has no handler for job name "${job.name}"` },
        ]);
      const planned = await handler({
        id,
        name: job.name,
        data: job.data as JsonValue,
        queue: this.queue,
        attempt: job.attemptsMade + 1,
        taken: job.attemptsStarted,
      });
      if (planned instanceof JobLater) {
        later = planned;
        submitted = Promise.resolve();
      } else {
        const jobTask = isJobTask(planned) ? planned : undefined;
        settle = jobTask?.settle;
        const spec = jobTask === undefined ? (planned as TaskSpec<R, unknown>) : jobTask.task;
        if (typeof spec !== 'object' || spec === null || typeof spec.run !== 'function')
          throw new ValidationError([
            { field: `handlers.${job.name}`, reason: 'must return a task spec with run' },
          ]);
        idempotent = spec.idempotent === true;
        const run = spec.run;
        const own = spec.signal;
        submitted = this.#pool.submit({
          ...spec,
          kind: spec.kind ?? this.#kind,
          requires: spec.requires ?? this.#requires,
          signal: own === undefined ? held.controller.signal : AbortSignal.any([own, held.controller.signal]),
          run: (ctx) => {
            held.started = true;
            return run(ctx);
          },
        });
      }
    } catch (error) {
      submitted = Promise.reject(error);
    } finally {
      // Now in the pool's counts (or failed): no longer on its way.
      this.#reserved--;
    }
    // The handler put the job off: nothing was submitted.
    if (later !== undefined) return this.#settle(held, { later });
    const outcome = await submitted.then(
      (value): TaskOutcome => ({ value }),
      (error: unknown): TaskOutcome => ({ error }),
    );
    const settled: Settled =
      settle === undefined
        ? 'value' in outcome
          ? outcome
          : { error: outcome.error, idempotent }
        : await Promise.resolve()
            .then(() => settle(outcome))
            .then(
              (value): Settled => (value instanceof JobLater ? { later: value } : { value }),
              (error: unknown): Settled => ({ error, idempotent }),
            );
    await this.#settle(held, settled);
  }

  async #settle(held: Held, settled: Settled): Promise<void> {
    const { job, token } = held;
    const id = job.id as string;
    try {
      if (held.lost) return;
      if ('later' in settled) {
        await job.moveToDelayed(Date.now() + settled.later.delayMs, token);
      } else if ('value' in settled) {
        await job.moveToCompleted(settled.value === undefined ? null : settled.value, token, false);
      } else if (this.#givesBack(settled.error)) {
        await job.moveToWait(token);
      } else {
        const failure = jobFailure(settled.error, settled.idempotent);
        const text = failedReasonText(failure);
        await job.moveToFailed(failure.retry ? new Error(text) : new UnrecoverableError(text), token, false);
      }
    } catch (error) {
      // Its lock lapsed (Redis was out of reach past lockDurationMs): the stalled-job check put it back.
      this.#log.warn({ job: id, err: (error as Error).message }, 'could not move the job');
    } finally {
      // Unless the job was taken again meanwhile (see #take): that take holds it now.
      if (this.#held.get(id) === held) this.#held.delete(id);
      this.#poke();
    }
  }

  /** A job whose task did not end on its own is given back to the queue, not failed. */
  #givesBack(error: unknown): boolean {
    return error instanceof PoolClosedError || (this.#givingBack && error instanceof TaskCancelledError);
  }

  async #renewLocks(): Promise<void> {
    // A renewal still waiting (Redis out of reach) is not joined by another.
    if (this.#renewing || this.#held.size === 0 || this.#worker === undefined) return;
    this.#renewing = true;
    const held = [...this.#held.values()];
    try {
      const lost = await this.#worker.extendJobLocks(
        held.map((h) => h.job.id as string),
        held.map((h) => h.token),
        this.#lockDurationMs,
      );
      for (const id of lost) {
        const h = this.#held.get(id);
        // One that settled meanwhile has no lock left to renew.
        if (h === undefined || !held.includes(h)) continue;
        this.#lose(h);
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not renew job locks');
    } finally {
      this.#renewing = false;
    }
  }

  /** A held job whose lock is gone: its task is aborted, and its outcome will not move the job. */
  #lose(h: Held): void {
    if (h.lost) return;
    h.lost = true;
    const id = h.job.id as string;
    this.#log.warn({ job: id }, 'lost the lock of a running job; another consumer may run it');
    h.controller.abort(new JobLockLostError(id));
  }

  close(options: CloseConsumerOptions = {}): Promise<void> {
    this.#closed ??= this.#close(options);
    return this.#closed;
  }

  async #close({ drain = true, timeoutMs }: CloseConsumerOptions): Promise<void> {
    this.#closing = true;
    this.#poke();
    await this.#loop;
    const giveBack = () => {
      this.#givingBack = true;
      for (const h of this.#held.values()) h.controller.abort(new Error('the queue consumer is closing'));
    };
    let timer: NodeJS.Timeout | undefined;
    if (!drain) giveBack();
    else if (timeoutMs !== undefined) timer = setTimeout(giveBack, timeoutMs);
    while (this.#settling.size > 0) await Promise.all([...this.#settling]);
    clearTimeout(timer);
    clearInterval(this.#lockTimer);
    this.#room?.unsubscribe();
    this.#connection.client.off('ready', this.#onReconnect);
    await this.#events?.close();
    await this.#worker?.close();
    await this.#connection.close();
  }
}

function isJobTask<R>(value: unknown): value is JobTask<R> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as JobTask<R>).settle === 'function' &&
    typeof (value as JobTask<R>).task === 'object'
  );
}
