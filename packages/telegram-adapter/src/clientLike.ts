import type { Api, TelegramClient } from 'telegram';
import type { UploadFileParams } from 'telegram/client/uploads.js';
import type { EventBuilder } from 'telegram/events/common.js';

/** Whatever GramJS accepts as a peer: a username, an id, an InputPeer, … */
export type EntityLike = Parameters<TelegramClient['getInputEntity']>[0];

/**
 * The subset of GramJS's `TelegramClient` the adapter calls. A `teleproto` client, a real
 * `TelegramClient`, or a test double with these members all fit. Keeping it small is what
 * lets the contract tests replace only `invoke` (and `getSender` for uploads).
 */
export interface TelegramClientLike {
  /** `undefined` before the first connect. */
  readonly connected: boolean | undefined;
  connect(): Promise<unknown>;
  disconnect(): Promise<unknown>;
  /**
   * Disconnect for good and stop the client's own ping loop (GramJS's `destroy`). Called on a
   * dead session; without it the adapter can only `disconnect()`.
   */
  destroy?(): Promise<unknown>;
  /**
   * Flood waits up to this many seconds are slept through inside `invoke` (GramJS's default is
   * 60). The manager sets it to 0 on every client it takes, so each flood wait reaches the pool.
   */
  floodSleepThreshold?: number;
  invoke<R extends Api.AnyRequest>(request: R): Promise<R['__response']>;
  getInputEntity(entity: EntityLike): Promise<Api.TypeInputPeer>;
  uploadFile(params: UploadFileParams): Promise<Api.InputFile | Api.InputFileBig>;
  // biome-ignore lint/suspicious/noExplicitAny: GramJS types its handlers' events loosely.
  addEventHandler(callback: (event: any) => void, event?: EventBuilder): void;
  removeEventHandler(callback: CallableFunction, event: EventBuilder): void;
}

/** A named session: the unit the pool balances over. */
export interface TelegramSession {
  readonly name: string;
  readonly client: TelegramClientLike;
}

/**
 * A client of another GramJS-family library, such as `teleproto` (the maintained fork of
 * GramJS), typed loosely because its TL classes are its own (often of a newer layer). The
 * adapter wraps it and translates requests, answers and updates by TL class name.
 */
export interface GramJsFamilyClient {
  readonly connected: boolean | undefined;
  readonly session: object;
  connect(): Promise<unknown>;
  disconnect(): Promise<unknown>;
  invoke(request: { readonly className: string }): Promise<unknown>;
  getInputEntity(entity: never): Promise<unknown>;
  getSender(dcId: number): Promise<unknown>;
  uploadFile(params: never): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: each library types its handlers' events its own way.
  addEventHandler(callback: (event: any) => void, event?: any): void;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  removeEventHandler(callback: CallableFunction, event: any): void;
}

/**
 * A session as the manager is given it. `client` is this package's `TelegramClient` (or
 * anything with its methods), or a client of another GramJS-family library; for the latter,
 * `api` is that library's `Api` namespace (`import { Api } from 'teleproto'`), so requests are
 * built in the client's own layer. Without `api`, requests are built with this package's
 * classes and only the answers are translated.
 */
export interface TelegramSessionSpec {
  readonly name: string;
  readonly client: TelegramClientLike | GramJsFamilyClient;
  readonly api?: object;
}

/**
 * Make `client` hand every flood wait to the pool: GramJS sleeps through waits up to its
 * `floodSleepThreshold` (60 s unless the caller set it) with the session looking busy and the
 * item's budget unaware of it.
 */
export function surfaceFloodWaits(client: TelegramClientLike): void {
  if (client.floodSleepThreshold !== undefined && client.floodSleepThreshold !== 0) {
    client.floodSleepThreshold = 0;
  }
}

/**
 * Make the client's `invoke` try each request once. GramJS (and its forks) otherwise repeats a
 * request Telegram answered with a server error (RPC_CALL_FAIL, RPC_MCGET_FAIL, a 500) by
 * itself, up to `requestRetries` (5) times, and throws only the last answer: a send whose
 * first try may have been delivered then fails like one never made (say, a FLOOD_WAIT on the
 * repeat) and would go out again from another session. With one try, `invoke` throws
 * "Request was unsuccessful 1 time(s)", an unknown outcome that the pool retries on the same
 * session with the same randomId. `client` is the library's own object (GramJS keeps the
 * setting in `_requestRetries`); a client without it is left as it is.
 */
export function tryEachRequestOnce(client: object): void {
  const retries = client as { _requestRetries?: unknown };
  if (typeof retries._requestRetries === 'number' && retries._requestRetries !== 1) {
    retries._requestRetries = 1;
  }
}

/** Stop a client for good: `destroy()` when it has one (GramJS ≥ 2.x), else `disconnect()`. */
export async function destroyClient(client: TelegramClientLike): Promise<void> {
  await (client.destroy === undefined ? client.disconnect() : client.destroy());
}
