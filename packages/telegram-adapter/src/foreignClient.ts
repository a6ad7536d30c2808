import { Api, TelegramClient } from 'telegram';
import type { EventBuilder } from 'telegram/events/common.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import type { EntityLike, TelegramClientLike } from './clientLike.js';

/**
 * Clients of other GramJS-family libraries (`teleproto`, the maintained fork, or another copy of
 * `telegram`) as the adapter's clients.
 *
 * Such a client has its own TL classes, often for a newer layer: the adapter's `instanceof
 * Api.User` is false for its answers, and its event dispatch hands GramJS's event builders
 * updates they do not recognise. The adapter wraps each one in a {@link ForeignClient}, which
 * translates at the boundary, by TL class name:
 *
 * - requests are rebuilt with the client's own `Api` (when the session gives it: `api`), so
 *   they are serialised in the client's layer;
 * - answers, resolved peers, uploaded files and updates are rebuilt as this package's classes;
 * - errors pass through untouched: the adapter recognises them by Telegram's error message and
 *   code, not by class.
 */

/** A TL library's `Api` namespace: `import { Api } from 'teleproto'`. */
export type TlApi = object;

interface TlObject {
  readonly className: string;
  readonly CONSTRUCTOR_ID: number;
}

type TlClass = new (args: Record<string, unknown>) => TlObject;

/** Fields every TL object carries that are not its arguments. */
const META = new Set(['CONSTRUCTOR_ID', 'SUBCLASS_OF_ID', 'className', 'classType', 'originalArgs']);

const classCache = new WeakMap<TlApi, Map<string, TlClass | null>>();

function isTl(value: unknown): value is TlObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TlObject).className === 'string' &&
    typeof (value as TlObject).CONSTRUCTOR_ID === 'number'
  );
}

/** The class named `className` (`messages.SendMessage`) in `api`, if it has one. */
function classIn(api: TlApi, className: string): TlClass | undefined {
  let cache = classCache.get(api);
  if (cache === undefined) {
    cache = new Map();
    classCache.set(api, cache);
  }
  let found = cache.get(className);
  if (found === undefined) {
    let node: unknown = api;
    for (const part of className.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    found = typeof node === 'function' ? (node as TlClass) : null;
    cache.set(className, found);
  }
  return found ?? undefined;
}

/**
 * `value` with every TL object in it rebuilt as `api`'s class of the same name (arrays, maps
 * and the fields of TL objects are walked; anything else is kept). An object whose class `api`
 * lacks is kept as it is.
 */
export function translateTl<T>(value: T, api: TlApi): T {
  return walk(value, api) as T;
}

function walk(value: unknown, api: TlApi): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, api));
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(k, walk(v, api));
    return out;
  }
  if (!isTl(value)) return value;
  const Target = classIn(api, value.className);
  if (Target === undefined || value instanceof Target) return value;
  const args: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!META.has(key)) args[key] = walk((value as unknown as Record<string, unknown>)[key], api);
  }
  const rebuilt = new Target(args) as unknown as Record<string, unknown>;
  // Fields GramJS attaches after construction (an update's `_entities`) come along too.
  for (const key of Object.keys(args)) if (!(key in rebuilt)) rebuilt[key] = args[key];
  return rebuilt;
}

/** Whether `client` is a GramJS-family client from another library or copy than this package's. */
export function isForeignClient(client: object): boolean {
  if (client instanceof TelegramClient || client instanceof ForeignClient) return false;
  const c = client as { getSender?: unknown; session?: unknown; invoke?: unknown };
  return typeof c.getSender === 'function' && typeof c.invoke === 'function' && typeof c.session === 'object';
}

/** A `connectionState` update of any GramJS-family library (a plain class with a numeric `state`). */
function connectionStateOf(update: unknown): number | undefined {
  if (update instanceof UpdateConnectionState) return update.state;
  if (
    typeof update === 'object' &&
    update !== null &&
    !isTl(update) &&
    update.constructor?.name === 'UpdateConnectionState' &&
    typeof (update as { state?: unknown }).state === 'number'
  ) {
    return (update as { state: number }).state;
  }
  return undefined;
}

interface ForeignEvents {
  // biome-ignore lint/suspicious/noExplicitAny: the foreign library types its handlers' events loosely too.
  addEventHandler(callback: (event: any) => void, event?: unknown): void;
  removeEventHandler(callback: CallableFunction, event?: unknown): void;
}

type Handler = (event: unknown) => void;

type Wrapped = TelegramClientLike & ForeignEvents & { destroy?: () => Promise<unknown> };

/** What GramJS's dispatch sets on a built event. */
interface BuiltEvent {
  _client?: unknown;
  _setClient?: (client: unknown) => void;
  originalUpdate?: unknown;
  _entities?: unknown;
}

/** A client of another GramJS-family library, seen through this package's classes. */
export class ForeignClient implements TelegramClientLike {
  readonly #client: Wrapped;
  readonly #api: TlApi | undefined;
  readonly #handlers = new Map<CallableFunction, Handler>();
  /** The wrapped client, for callers that need the library's own object. */
  readonly unwrapped: object;

  constructor(client: object, api?: TlApi) {
    this.#client = client as Wrapped;
    this.#api = api;
    this.unwrapped = client;
  }

  get connected(): boolean | undefined {
    return this.#client.connected;
  }

  /** The wrapped client's threshold (0 when it has none: it never sleeps through a flood wait). */
  get floodSleepThreshold(): number {
    return (this.#client as { floodSleepThreshold?: number }).floodSleepThreshold ?? 0;
  }

  set floodSleepThreshold(value: number) {
    (this.#client as { floodSleepThreshold?: number }).floodSleepThreshold = value;
  }

  connect(): Promise<unknown> {
    return this.#client.connect();
  }

  disconnect(): Promise<unknown> {
    return this.#client.disconnect();
  }

  async destroy(): Promise<unknown> {
    return typeof this.#client.destroy === 'function' ? this.#client.destroy() : this.#client.disconnect();
  }

  async invoke<R extends Api.AnyRequest>(request: R): Promise<R['__response']> {
    const outgoing = this.#api === undefined ? request : translateTl(request, this.#api);
    return translateTl(await this.#client.invoke(outgoing), Api) as R['__response'];
  }

  async getInputEntity(entity: EntityLike): Promise<Api.TypeInputPeer> {
    const outgoing = this.#api === undefined ? entity : translateTl(entity, this.#api);
    return translateTl(await this.#client.getInputEntity(outgoing), Api);
  }

  async uploadFile(params: Parameters<TelegramClientLike['uploadFile']>[0]) {
    return translateTl(await this.#client.uploadFile(params), Api);
  }

  /**
   * Registers one raw handler on the wrapped client and runs `event`'s builder here, on the
   * update rebuilt as this package's classes (as GramJS's own dispatch would: resolve the
   * builder once, build, filter, call).
   */
  // biome-ignore lint/suspicious/noExplicitAny: GramJS types its handlers' events loosely.
  addEventHandler(callback: (event: any) => void, event?: EventBuilder): void {
    const builder = event as (EventBuilder & { resolved?: boolean }) | undefined;
    if (builder !== undefined) (builder as { client?: unknown }).client = this;
    const handler: Handler = (raw) => {
      void this.#dispatch(raw, callback, builder);
    };
    this.#handlers.set(callback, handler);
    this.#client.addEventHandler(handler);
  }

  removeEventHandler(callback: CallableFunction, _event?: EventBuilder): void {
    const handler = this.#handlers.get(callback);
    if (handler === undefined) return;
    this.#handlers.delete(callback);
    this.#client.removeEventHandler(handler);
  }

  async #dispatch(
    raw: unknown,
    callback: (event: unknown) => void,
    builder: (EventBuilder & { resolved?: boolean }) | undefined,
  ): Promise<void> {
    const state = connectionStateOf(raw);
    const update = state !== undefined ? new UpdateConnectionState(state) : translateTl(raw, Api);
    if (builder === undefined) {
      callback(update);
      return;
    }
    if (!builder.resolved) await builder.resolve(this as unknown as TelegramClient);
    const built = builder.build(update as Api.TypeUpdate, callback, undefined) as BuiltEvent | undefined;
    if (built === undefined || built === null) return;
    built._client = this;
    if ('_eventName' in built) {
      built._setClient?.(this);
      built.originalUpdate = update;
      built._entities = (update as { _entities?: unknown })._entities;
    }
    if (!(await builder.filter(built as never))) return;
    callback(built);
  }
}
