import { type Observable, ReplaySubject, Subject } from 'rxjs';

/**
 * A running bulk operation: `results$` streams one result per item as it settles (late
 * subscribers get them all), and awaiting the operation itself gives the collected report.
 * It starts at once; `cancel()` stops the items that have not settled.
 *
 * With `replay: false` (an operation over a stream of any length), `results$` keeps nothing:
 * subscribe before the first item settles (in the same turn as the call) to see every result.
 */
export class BulkOperation<Item, Report> implements PromiseLike<Report> {
  readonly results$: Observable<Item>;
  readonly #done: Promise<Report>;
  readonly #controller: AbortController;

  constructor(
    start: (emit: (item: Item) => void, signal: AbortSignal) => Promise<Report>,
    controller: AbortController = new AbortController(),
    options: { readonly replay?: boolean } = {},
  ) {
    const subject = options.replay === false ? new Subject<Item>() : new ReplaySubject<Item>();
    this.results$ = subject.asObservable();
    this.#controller = controller;
    this.#done = Promise.resolve()
      .then(() => start((item) => subject.next(item), controller.signal))
      .then(
        (report) => {
          subject.complete();
          return report;
        },
        (error: unknown) => {
          subject.error(error);
          throw error;
        },
      );
    // Callers may watch only `results$`; the rejection is delivered there, so do not also
    // report it as unhandled.
    this.#done.catch(() => {});
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  cancel(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  // biome-ignore lint/suspicious/noThenProperty: the operation is deliberately awaitable.
  then<A = Report, B = never>(
    onfulfilled?: ((value: Report) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#done.then(onfulfilled, onrejected);
  }
}
