import { Observable, Subject } from 'rxjs';

/**
 * A running bulk operation: `results$` streams one result per item as it settles (late
 * subscribers get them all), and awaiting the operation itself gives the collected report.
 * It starts at once; `cancel()` stops the items that have not settled.
 *
 * An operation over a stream of any length keeps nothing for late subscribers: subscribe to
 * `results$` before the first item settles (in the same turn as the call) to see every result.
 */
export class BulkOperation<Item, Report> implements PromiseLike<Report> {
  readonly results$: Observable<Item>;
  readonly #done: Promise<Report>;
  readonly #controller: AbortController;

  /**
   * `start` runs the operation: `emit` streams a result; `replay(false)` stops keeping results
   * for late subscribers (and drops those kept), for an operation whose items are unbounded.
   * `options.replay: false` starts without keeping any.
   */
  constructor(
    start: (
      emit: (item: Item) => void,
      signal: AbortSignal,
      replay: (keep: boolean) => void,
    ) => Promise<Report>,
    controller: AbortController = new AbortController(),
    options: { readonly replay?: boolean } = {},
  ) {
    let kept: Item[] | undefined = options.replay === false ? undefined : [];
    let end: { readonly error?: unknown; readonly failed: boolean } | undefined;
    const live = new Subject<Item>();
    this.results$ = new Observable<Item>((subscriber) => {
      // Indexed, so an item emitted while the kept ones are replayed is not missed.
      for (let i = 0; kept !== undefined && i < kept.length; i++) subscriber.next(kept[i] as Item);
      if (end === undefined) return live.subscribe(subscriber);
      if (end.failed) subscriber.error(end.error);
      else subscriber.complete();
      return undefined;
    });
    this.#controller = controller;
    const emit = (item: Item) => {
      kept?.push(item);
      live.next(item);
    };
    const replay = (keep: boolean) => {
      if (!keep) kept = undefined;
      else kept ??= [];
    };
    this.#done = Promise.resolve()
      .then(() => start(emit, controller.signal, replay))
      .then(
        (report) => {
          end = { failed: false };
          live.complete();
          return report;
        },
        (error: unknown) => {
          end = { error, failed: true };
          live.error(error);
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
