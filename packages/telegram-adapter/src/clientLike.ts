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
