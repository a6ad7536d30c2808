import { Observable } from 'rxjs';
import {
  PoolClosedError,
  TaskCancelledError,
  TaskFailedError,
  TaskTimeoutError,
  ValidationError,
} from '../errors.js';
import { checkProcessArgs, pumpSource } from '../pool/process.js';
import type { Pool, RunContext, TaskSpec } from '../types.js';
import { isFinalItemState } from './transitions.js';
import type { BatchSpec, ItemState, Journal, JsonValue, OpenBatch } from './types.js';

/** What a durable task's `run` is given: the pool's context, plus the attempt to record. */
export interface DurableRunContext<R> extends RunContext<R> {
  /** The item's attempt data (its idempotency key): the same on every retry and after a resume. */
  readonly attemptData: JsonValue;
  /**
   * Record `attempting(this worker, attemptData)` in the journal, durably. Call it right before
   * the side effect leaves, and only start the effect once it has resolved: a crash after it is
   * resumed on this worker with the same attempt data, or reported `unknown`.
   */
  recordAttempt(): Promise<void>;
}

/** The task for one item: a pool task whose `run` receives a `DurableRunContext`. */
export type DurableTaskSpec<R, T> = Omit<TaskSpec<R, T>, 'run' | 'pinnedTo' | 'signal'> & {
  run(ctx: DurableRunContext<R>): Promise<T> | T;
};

export interface DurableBatchOptions<R, I, T> {
  /** Where the batch is recorded. */
  readonly journal: Journal;
  /** The batch: its id, kind and content (a resume must give the same). */
  readonly batch: BatchSpec;
  /**
   * The items. A resume reads it again from its start, so it must give the same items in the
   * same order (a file, or anything that can be read again); items already final are not run again.
   */
  readonly source: AsyncIterable<I> | Iterable<I>;
  /** The item's key, unique in the batch (1–1000 characters). */
  key(item: I): string;
  /** What the journal records of the item. Default: the item itself (it must then be JSON). */
  payload?(item: I): JsonValue;
  /** New attempt data for an item that has none recorded (for example, a fresh idempotency key). */
  attemptData(item: I): JsonValue;
  /** The pool task that does the item's work. */
  task(item: I): DurableTaskSpec<R, T>;
  /** What the journal records as the item's result. Default: the value itself (it must then be JSON). */
  result?(value: T): JsonValue;
  /** Most items in flight at once (see `pool.process`). Default 1000. */
  readonly highWaterMark?: number;
}

/** One item's outcome in a durable batch. */
export interface DurableOutcome<T> {
  readonly seq: number;
  readonly key: string;
  readonly payload: JsonValue;
  /**
   * The item's state in the journal: final (`done`, `failed`, `skipped`), `unknown`, or, for an
   * item interrupted by cancellation or the pool closing, `pending` / `attempting` (a resume
   * continues it).
   */
  readonly state: ItemState;
  /** The task's value, when it ran in this call and succeeded. */
  readonly value?: T;
  /** Whether the outcome was read from the journal (finished before this call) rather than run now. */
  readonly fromJournal: boolean;
}

const CODE = /^[A-Z0-9_]{1,64}$/;

/** The code an error carries (its own, or its cause's), for the journal. */
function codeOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODE.test(code) && !code.startsWith('E_')) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Run a durable batch on a pool: every item is recorded in the journal as it is read, its
 * `attempting(worker, attemptData)` is recorded before its effect (`ctx.recordAttempt()`), and
 * its final state after. Run again with the same batch id and content after a crash, it
 * continues: final items are reported from the journal without running; an item left
 * `attempting` is retried only on the same worker with the same attempt data (so an idempotency
 * key makes the retry harmless), and when that worker is absent or dead it becomes `unknown`;
 * `unknown` items are reported, never run again.
 *
 * Cold: nothing happens until the result is subscribed. Unsubscribing cancels the items in
 * flight (they stay `pending` or `attempting` for a later resume) and releases the batch.
 */
export function runDurableBatch<R, I, T>(
  pool: Pool<R>,
  options: DurableBatchOptions<R, I, T>,
): Observable<DurableOutcome<T>> {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError([{ field: 'options', reason: 'must be an object' }]);
  for (const fn of ['key', 'attemptData', 'task'] as const) {
    if (typeof options[fn] !== 'function')
      throw new ValidationError([{ field: fn, reason: 'must be a function' }]);
  }
  const hwm = checkProcessArgs(options.source, { highWaterMark: options.highWaterMark ?? 1000 });
  const { journal, key, attemptData, task } = options;
  const payloadOf = options.payload ?? ((item: I) => item as JsonValue);
  const resultOf = options.result ?? ((value: T) => value as JsonValue);

  return new Observable<DurableOutcome<T>>((subscriber) => {
    let batch: OpenBatch | undefined;
    let closed = false;
    let inner: { unsubscribe(): void } | undefined;
    const release = () => {
      const b = batch;
      batch = undefined;
      return b?.release();
    };

    const runItem = async (b: OpenBatch, item: I, signal: AbortSignal): Promise<DurableOutcome<T>> => {
      const k = key(item);
      const [record] = await b.add([{ key: k, payload: payloadOf(item) }]);
      if (record === undefined) throw new Error('the journal recorded no item');
      const base = { seq: record.seq, key: record.key, payload: record.payload };
      const now = record.state;
      if (isFinalItemState(now) || now.state === 'unknown') return { ...base, state: now, fromJournal: true };
      const resumed = now.state === 'attempting' ? now : undefined;
      const data = resumed?.attempt ?? attemptData(item);
      const spec = task(item);
      let recorded = resumed;
      const pooled: TaskSpec<R, T> = {
        ...spec,
        signal,
        ...(resumed === undefined ? {} : { pinnedTo: resumed.worker }),
        run: (ctx) => {
          const durable: DurableRunContext<R> = Object.create(ctx, {
            attemptData: { value: data },
            recordAttempt: {
              value: async () => {
                const next = { state: 'attempting', worker: ctx.worker, attempt: data } as const;
                await b.transition(k, next);
                recorded = next;
              },
            },
          });
          return spec.run(durable);
        },
      };
      let value: T;
      try {
        value = await pool.submit(pooled);
      } catch (error) {
        if (error instanceof TaskCancelledError || error instanceof PoolClosedError) {
          const current = await b.get(k);
          return { ...base, state: current?.state ?? now, fromJournal: false };
        }
        // Recorded and then cut off (its outcome unknown, or its whole budget spent while it may
        // have been running): the effect may have happened. Anything else is a known failure.
        const unknown =
          (error instanceof TaskFailedError && error.failure === 'unknown-outcome') ||
          error instanceof TaskTimeoutError;
        const next: ItemState =
          recorded !== undefined && unknown
            ? {
                state: 'unknown',
                reason: messageOf(error),
                worker: recorded.worker,
                attempt: recorded.attempt,
              }
            : (() => {
                const code = codeOf(error);
                return code === undefined
                  ? { state: 'failed', reason: messageOf(error) }
                  : { state: 'failed', reason: messageOf(error), code };
              })();
        const after = await b.transition(k, next);
        return { ...base, state: after.state, fromJournal: false };
      }
      const after = await b.transition(k, { state: 'done', result: resultOf(value) });
      return { ...base, state: after.state, value, fromJournal: false };
    };

    journal.open(options.batch).then(
      (b) => {
        if (closed) {
          void b.release();
          return;
        }
        batch = b;
        inner = pumpSource(options.source, hwm, (item, _i, signal) => runItem(b, item, signal)).subscribe({
          next(outcome) {
            if (outcome.status === 'fulfilled') subscriber.next(outcome.value);
            else {
              // A journal that cannot be written stops the batch: nothing may run unrecorded.
              inner?.unsubscribe();
              Promise.resolve(release()).finally(() => subscriber.error(outcome.reason));
            }
          },
          error(error: unknown) {
            Promise.resolve(release()).finally(() => subscriber.error(error));
          },
          complete() {
            b.markSourceDone()
              .then(() => release())
              .then(
                () => subscriber.complete(),
                (error: unknown) => subscriber.error(error),
              );
          },
        });
      },
      (error: unknown) => subscriber.error(error),
    );

    return () => {
      closed = true;
      inner?.unsubscribe();
      void release();
    };
  });
}
