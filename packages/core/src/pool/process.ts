import { setMaxListeners } from 'node:events';
import { isObservable, Observable, type Subscription } from 'rxjs';
import { ValidationError } from '../errors.js';
import type { ProcessOptions, ProcessOutcome, TaskSpec } from '../types.js';

const DEFAULT_HIGH_WATER_MARK = 1000;

/** What `pool.process` and `pumpSource` read: an `AsyncIterable`, an `Iterable` or an `Observable`. */
export type ProcessSource<S> = AsyncIterable<S> | Iterable<S> | Observable<S>;

function isAsyncIterable<S>(source: unknown): source is AsyncIterable<S> {
  return typeof (source as AsyncIterable<S> | null)?.[Symbol.asyncIterator] === 'function';
}

function isIterable<S>(source: unknown): source is Iterable<S> {
  return (
    typeof (source as Iterable<S> | null)?.[Symbol.iterator] === 'function' && typeof source !== 'string'
  );
}

/** Whether `source` is something `pool.process` reads: an `AsyncIterable`, an `Iterable` (not a string) or an `Observable`. */
export function isProcessSource<S>(source: unknown): source is ProcessSource<S> {
  return isObservable(source) || isAsyncIterable(source) || isIterable(source);
}

/**
 * Check `pool.process`'s arguments (or those of anything fed by `pumpSource`): bad input throws
 * a `ValidationError` naming `field` at the call, before anything is read. Returns the
 * high-water mark to use.
 */
export function checkProcessArgs(
  source: unknown,
  options: ProcessOptions | undefined,
  field = 'source',
): number {
  if (!isProcessSource(source))
    throw new ValidationError([{ field, reason: 'must be an AsyncIterable, an Iterable or an Observable' }]);
  const hwm = options?.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isSafeInteger(hwm) || hwm < 1 || hwm > 1_000_000)
    throw new ValidationError([
      { field: 'highWaterMark', reason: 'must be a whole number from 1 to 1,000,000' },
    ]);
  return hwm;
}

/**
 * Read a source of items into `start`, keeping at most `highWaterMark` unsettled: the engine of
 * `pool.process`, shared by everything that feeds a pool from a stream. `start` returns a
 * promise per item; the result emits one outcome per item as they settle.
 */
export function pumpSource<S, T>(
  source: ProcessSource<S>,
  highWaterMark: number,
  start: (item: S, index: number, signal: AbortSignal) => Promise<T>,
): Observable<ProcessOutcome<T>> {
  return new Observable<ProcessOutcome<T>>((subscriber) => {
    const controller = new AbortController();
    // One signal shared by every task of the call; the pool adds one listener per task.
    setMaxListeners(0, controller.signal);
    let index = 0;
    let unsettled = 0;
    let stopped = false;
    let ended = false;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    let observed: Subscription | undefined;
    const buffer: S[] = [];

    const finish = () => {
      if (!ended || unsettled > 0 || buffer.length > 0) return;
      if (failure !== undefined) subscriber.error(failure.error);
      else subscriber.complete();
    };
    const launch = (item: S) => {
      const i = index++;
      unsettled++;
      let promise: Promise<T>;
      try {
        promise = start(item, i, controller.signal);
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        (value) => settle({ index: i, status: 'fulfilled', value }),
        (reason: unknown) => settle({ index: i, status: 'rejected', reason }),
      );
    };
    const settle = (outcome: ProcessOutcome<T>) => {
      unsettled--;
      subscriber.next(outcome);
      while (!stopped && unsettled < highWaterMark && buffer.length > 0) launch(buffer.shift() as S);
      const w = wake;
      wake = undefined;
      w?.();
      finish();
    };

    if (isObservable(source)) {
      observed = (source as Observable<S>).subscribe({
        next(item) {
          if (stopped) return;
          if (unsettled < highWaterMark && buffer.length === 0) launch(item);
          else buffer.push(item);
        },
        error(error: unknown) {
          failure = { error };
          ended = true;
          finish();
        },
        complete() {
          ended = true;
          finish();
        },
      });
    } else {
      const iterator = isAsyncIterable<S>(source)
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<S>)[Symbol.iterator]();
      const read = async () => {
        try {
          while (!stopped) {
            while (unsettled >= highWaterMark && !stopped)
              await new Promise<void>((resolve) => (wake = resolve));
            if (stopped) break;
            const next = await iterator.next();
            if (next.done === true) break;
            if (!stopped) launch(next.value);
          }
          if (stopped) await iterator.return?.();
        } catch (error) {
          failure = { error };
        }
        ended = true;
        finish();
      };
      void read();
    }

    return () => {
      stopped = true;
      buffer.length = 0;
      observed?.unsubscribe();
      controller.abort(new Error('the process() subscription was closed'));
      const w = wake;
      wake = undefined;
      w?.();
    };
  });
}

/** `pool.process`: a source of task specs, each submitted with the call's cancel signal. */
export function processTasks<R, T>(
  submit: (spec: TaskSpec<R, T>) => Promise<T>,
  source: ProcessSource<TaskSpec<R, T>>,
  options: ProcessOptions | undefined,
): Observable<ProcessOutcome<T>> {
  const hwm = checkProcessArgs(source, options);
  return pumpSource(source, hwm, (spec, _i, signal) => {
    if (typeof spec !== 'object' || spec === null) return submit(spec);
    const own = spec.signal;
    return submit({ ...spec, signal: own === undefined ? signal : AbortSignal.any([own, signal]) });
  });
}
