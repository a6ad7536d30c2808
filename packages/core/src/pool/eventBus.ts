import { type Observable, Subject, type Unsubscribable } from 'rxjs';
import type { LoadEvent, LoadEventType, Strategy } from '../types.js';

/**
 * The pool's events: one hot stream for everyone (`events$`), and the strategy's own feed,
 * which carries only the event types the strategy declared in `Strategy#events`. Events nobody
 * listens to are not even built: the pool asks `wants(type)` first.
 */
export class EventBus {
  readonly #events = new Subject<LoadEvent>();
  readonly events$: Observable<LoadEvent> = this.#events.asObservable();
  #feed = new Subject<LoadEvent>();
  #feedWants: ReadonlySet<LoadEventType> | undefined;
  #feedSub: Unsubscribable | undefined;
  #completed = false;

  /** Hand the strategy its feed (the previous strategy's feed completes and is unsubscribed). */
  attach(strategy: Strategy): void {
    this.detach();
    this.#feed = new Subject<LoadEvent>();
    this.#feedWants = strategy.events === undefined ? undefined : new Set(strategy.events);
    this.#feedSub = strategy.observe?.(this.#feed.asObservable()) ?? undefined;
  }

  detach(): void {
    this.#feedSub?.unsubscribe();
    this.#feedSub = undefined;
    this.#feed.complete();
  }

  /** Whether anyone listens for events of this type. */
  wants(type: LoadEventType): boolean {
    return this.#events.observed || this.#feedWanted(type);
  }

  #feedWanted(type: LoadEventType): boolean {
    return this.#feed.observed && (this.#feedWants === undefined || this.#feedWants.has(type));
  }

  emit(event: LoadEvent): void {
    if (this.#completed) return;
    if (this.#feedWanted(event.type)) this.#feed.next(event);
    this.#events.next(event);
  }

  /** Send events to the strategy's feed alone (introducing existing workers to a new strategy). */
  tellStrategy(make: () => Iterable<LoadEvent>, type: LoadEventType): void {
    if (!this.#feedWanted(type)) return;
    for (const e of make()) this.#feed.next(e);
  }

  complete(): void {
    this.detach();
    this.#completed = true;
    this.#events.complete();
  }
}
