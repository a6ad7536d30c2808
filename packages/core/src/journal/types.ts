/** A value a journal can store: what `JSON.stringify` keeps as it is. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * The state of one item of a durable batch.
 *
 * `pending` → `attempting` → `done` | `failed` | `skipped`; `unknown` when an attempt's outcome
 * can no longer be learnt. `done`, `failed` and `skipped` are final: once written they never change.
 */
export type ItemState =
  | { readonly state: 'pending' }
  | {
      readonly state: 'attempting';
      /** The worker the attempt runs on. */
      readonly worker: string;
      /**
       * What a retry of this attempt must reuse to be harmless (an idempotency key, such as a
       * Telegram `randomId`). Written before the side effect leaves.
       */
      readonly attempt: JsonValue;
    }
  | { readonly state: 'done'; readonly result: JsonValue }
  | { readonly state: 'failed'; readonly reason: string; readonly code?: string }
  | { readonly state: 'skipped'; readonly reason: string }
  | {
      readonly state: 'unknown';
      /** Why the outcome can no longer be learnt (for example: its worker is gone). */
      readonly reason: string;
      /** The attempt whose outcome is unknown, when there was one. */
      readonly worker?: string;
      readonly attempt?: JsonValue;
    };

/** The name of an item state. */
export type ItemStateName = ItemState['state'];

/** The final states: written once, never changed. */
export const FINAL_ITEM_STATES: readonly ItemStateName[] = ['done', 'failed', 'skipped'];

/** One item of a durable batch, as the journal holds it. */
export interface JournalItem {
  /** Position in the batch, from 0, in the order the items were added. */
  readonly seq: number;
  /** The item's key, unique in its batch (for a send: the recipient). */
  readonly key: string;
  /** What the item is (for a send: the recipient as given). */
  readonly payload: JsonValue;
  readonly state: ItemState;
  /** Clock time of the item's last state change. */
  readonly updatedAt: number;
}

/** A batch as the journal describes it. */
export interface BatchStatus {
  readonly id: string;
  /** What kind of work the batch is (for example `send-text`). */
  readonly kind: string;
  /** Items recorded so far. */
  readonly total: number;
  readonly pending: number;
  readonly attempting: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  readonly unknown: number;
  /** Whether the batch's source has been read to its end (every item is recorded). */
  readonly sourceDone: boolean;
  /** Clock time the batch was created. */
  readonly startedAt: number;
  /** Clock time of the batch's last change. */
  readonly updatedAt: number;
}

/** What a batch is: enough to check that a resume runs the same work. */
export interface BatchSpec {
  /** 1–200 characters. */
  readonly id: string;
  readonly kind: string;
  /**
   * What the batch does, stored so that it can be resumed from the journal alone (for a send:
   * the text and options). A resume with different content is refused.
   */
  readonly content: JsonValue;
}

/** How a transition is made. */
export interface TransitionOptions {
  /**
   * Change the item only if it is in exactly this state now (compare and set); otherwise
   * `JournalTransitionError`. Where several writers share a batch, this is how one of them moves
   * an item `pending → attempting` knowing no other writer has (the others are refused).
   */
  readonly expect?: ItemState;
}

/**
 * A durable batch opened by one process. Its lease is held until `release()`; another process
 * (or another open in this one) that opens the same batch gets `JournalLeaseError`.
 *
 * Every method writes through to the store before its promise resolves, so a state written
 * before a side effect survives a crash of the process right after it.
 */
export interface OpenBatch {
  readonly id: string;
  readonly kind: string;
  readonly content: JsonValue;
  /** True when this open created the batch; false when it resumed an existing one. */
  readonly created: boolean;
  /**
   * Record items in order. An item whose key is already recorded keeps its state (a resumed
   * source is read again from its start); its payload must be the same, or `JournalMismatchError`.
   * Returns the records, in the order given.
   */
  add(items: readonly { readonly key: string; readonly payload: JsonValue }[]): Promise<JournalItem[]>;
  /** One item, by key. */
  get(key: string): Promise<JournalItem | undefined>;
  /** Items in order, from position `fromSeq` (default 0), at most `limit` (default all). */
  items(options?: { readonly fromSeq?: number; readonly limit?: number }): Promise<JournalItem[]>;
  /**
   * Change an item's state. Refused with `JournalTransitionError` when the move is not allowed
   * (see `checkItemTransition`); writing a final state again with the same content is a no-op.
   */
  transition(key: string, next: ItemState, options?: TransitionOptions): Promise<JournalItem>;
  /** Keep a named position (for example, how far a source or a scrape had got). */
  setCursor(name: string, value: JsonValue): Promise<void>;
  cursor(name: string): Promise<JsonValue | undefined>;
  /**
   * Set a named position only if it has none, in one step: of several writers racing (nodes of a
   * cluster on one shared batch), one sets it. Resolves to the value it holds afterwards: `value`,
   * or the one set first.
   */
  claimCursor(name: string, value: JsonValue): Promise<JsonValue>;
  /** Say that every item of the source is recorded. */
  markSourceDone(): Promise<void>;
  status(): Promise<BatchStatus>;
  /** Give the lease up. The batch and its items stay in the journal. */
  release(): Promise<void>;
}

/**
 * Where durable batches live. `SqliteJournal` (`@switchyard/core/sqlite`) is the embedded
 * default; `MemoryJournal` keeps them in memory (for tests, and to run the same code without a
 * file). Other stores implement this interface.
 */
export interface Journal {
  /**
   * Create the batch, or open it to resume when it exists. Refused with `JournalMismatchError`
   * when it exists with another kind or content, and with `JournalLeaseError` while another
   * live process (or another open in this one) holds it.
   */
  open(spec: BatchSpec): Promise<OpenBatch>;
  /** A batch's status, or undefined when there is none with that id. */
  status(id: string): Promise<BatchStatus | undefined>;
  /** Every batch's status, oldest first. */
  list(): Promise<BatchStatus[]>;
  /** The stored spec of a batch (to resume it from the journal alone), or undefined. */
  spec(id: string): Promise<BatchSpec | undefined>;
  /** Release every lease this journal holds and close it. Idempotent. */
  close(): Promise<void>;
}
