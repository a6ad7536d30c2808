import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isProcessSource, type ProcessSource, pumpSource, ValidationError } from '@switchyard/core';
import { isObservable, type Observable } from 'rxjs';

/**
 * The recipients of a bulk send: an array, or a stream of any length — an `AsyncIterable`
 * (such as `recipientsFromFile`), an `Iterable` or an `Observable` — read only as fast as the
 * fleet sends.
 */
export type Recipients = readonly (string | number)[] | ProcessSource<string | number>;

/** The groups of a bulk scrape: an array, or a stream (read to its end before the first scrape). */
export type Groups = readonly string[] | ProcessSource<string>;

/** Whether `source` is a stream (not an array): something `pumpSource` can read. */
export function isStream<S>(source: unknown): source is ProcessSource<S> {
  return !Array.isArray(source) && isProcessSource<S>(source);
}

/**
 * Read a source one item at a time, as an async generator: it ends when the source does or when
 * `signal` aborts (the source is then closed, even while it is waiting for its next item). An
 * `Observable` cannot be asked to wait, so what it emits ahead of the reader is buffered.
 */
export async function* readSource<S>(source: ProcessSource<S>, signal: AbortSignal): AsyncGenerator<S> {
  const iterator = isObservable(source)
    ? observableIterator(source as Observable<S>)
    : typeof (source as AsyncIterable<S>)[Symbol.asyncIterator] === 'function'
      ? (source as AsyncIterable<S>)[Symbol.asyncIterator]()
      : (source as Iterable<S>)[Symbol.iterator]();
  let finished = false;
  try {
    while (!signal.aborted) {
      const next = await nextUnlessAborted(iterator, signal);
      if (next === undefined || signal.aborted) break;
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Close a source left part-read (aborted, or the reader stopped early).
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

/**
 * The iterator's next item, or undefined as soon as `signal` aborts. Each call listens to the
 * signal only until its item comes: racing every item against one promise that lives as long as
 * the source would leave a reaction on that promise per item read, kept until the source ends.
 */
function nextUnlessAborted<S>(
  iterator: AsyncIterator<S> | Iterator<S>,
  signal: AbortSignal,
): Promise<IteratorResult<S> | undefined> {
  return new Promise((resolve, reject) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    Promise.resolve(iterator.next()).then(
      (next) => {
        signal.removeEventListener('abort', stop);
        resolve(next);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(error);
      },
    );
  });
}

/** Every item of a source, in order (for sources known to be small). */
export async function collect<S>(source: ProcessSource<S>, signal: AbortSignal): Promise<S[]> {
  const items: S[] = [];
  for await (const item of readSource(source, signal)) items.push(item);
  signal.throwIfAborted();
  return items;
}

function observableIterator<S>(source: Observable<S>): AsyncIterator<S> {
  const buffer: S[] = [];
  let end: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const subscription = source.subscribe({
    next(item) {
      buffer.push(item);
      notify();
    },
    error(error: unknown) {
      end = { error };
      notify();
    },
    complete() {
      end = {};
      notify();
    },
  });
  return {
    async next(): Promise<IteratorResult<S>> {
      while (buffer.length === 0 && end === undefined) await new Promise<void>((r) => (wake = r));
      if (buffer.length > 0) return { done: false, value: buffer.shift() as S };
      if (end?.error !== undefined) throw end.error;
      return { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<S>> {
      subscription.unsubscribe();
      buffer.length = 0;
      end ??= {};
      return { done: true, value: undefined };
    },
  };
}

/** Options of `recipientsFromFile`. */
export interface RecipientsFileOptions {
  /**
   * The column that holds the recipient: its position from 0 (default 0, with no header line),
   * or its name in the file's first line, which is then read as a header.
   */
  readonly column?: number | string;
}

/**
 * The recipients in a text or CSV file, one per line, read as they are needed: a campaign of a
 * million recipients reads its file a little at a time, and a resume reads it again from its
 * start. Blank lines and lines starting with `#` are skipped, and a byte order mark. Fields may
 * be quoted (`"a,b"`, `""` for a quote). A missing column name rejects with a `ValidationError` naming `column`.
 */
export function recipientsFromFile(
  path: string,
  options: RecipientsFileOptions = {},
): AsyncGenerator<string> {
  const column = options.column ?? 0;
  const rows = readRecipientsFile(path, column);
  if (typeof path === 'string' && path !== '') fileOrigins.set(rows, { path: resolve(path), column });
  return rows;
}

/** Where a file source came from: a campaign keeps it, so `resumeCampaign` can read the file again. */
export interface FileOrigin {
  readonly path: string;
  readonly column: number | string;
}

const fileOrigins = new WeakMap<object, FileOrigin>();

/** The file a source made by `recipientsFromFile` reads, or undefined for any other source. */
export function fileOriginOf(source: unknown): FileOrigin | undefined {
  return typeof source === 'object' && source !== null ? fileOrigins.get(source) : undefined;
}

async function* readRecipientsFile(path: string, column: number | string): AsyncGenerator<string> {
  if (typeof column === 'number' && (!Number.isSafeInteger(column) || column < 0))
    throw new ValidationError([{ field: 'column', reason: 'must be a whole number ≥ 0 or a column name' }]);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    let index = typeof column === 'number' ? column : -1;
    let first = true;
    for await (const read of lines) {
      // A byte order mark (spreadsheets write one) is no part of the first line: a # after it
      // still starts a comment.
      const line = first ? read.replace(/^\uFEFF/, '') : read;
      first = false;
      if (line.trim() === '' || line.startsWith('#')) continue;
      const fields = csvFields(line);
      if (index < 0) {
        index = fields.findIndex((f) => f.trim() === column);
        if (index < 0)
          throw new ValidationError([
            { field: 'column', reason: `${path} has no column ${JSON.stringify(column)} in its first line` },
          ]);
        continue;
      }
      const value = fields[index]?.trim() ?? '';
      yield value;
    }
  } finally {
    lines.close();
  }
}

/** The fields of one CSV line (RFC 4180 quoting; a line with no comma is one field). */
export function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * Run `start` on every item `read` gives, at most `highWaterMark` unsettled at once, and resolve
 * when all have settled. The first rejection (or `signal`) stops the reading; the items already
 * started still settle, then the rejection is thrown.
 */
export async function pumpAll<S>(
  read: (stop: AbortSignal) => AsyncIterable<S>,
  signal: AbortSignal,
  highWaterMark: number,
  start: (item: S) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const follow = () => stop.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  let failure: { error: unknown } | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      pumpSource(read(stop.signal), highWaterMark, (item) => start(item)).subscribe({
        next(outcome) {
          if (outcome.status === 'fulfilled') return;
          failure ??= { error: outcome.reason };
          stop.abort(outcome.reason);
        },
        error: reject,
        complete: resolve,
      });
    });
  } finally {
    signal.removeEventListener('abort', follow);
  }
  if (failure !== undefined) throw failure.error;
}
