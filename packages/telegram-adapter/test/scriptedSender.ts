// The MTProto sender of a real GramJS client, replaced by one that talks to a scripted Telegram.
//
// GramJS 2.26 members this file replaces, and why each one:
// - `client._sender` (an `MTProtoSender`): the only object between GramJS and the socket.
//   Ours keeps the members GramJS's own code reads or calls on it — `connect()`,
//   `isConnected()`, `disconnect()` / `_disconnect()`, `send()`, `addStateToQueue()`,
//   `userDisconnected`, `isConnecting`, `isReconnecting`, `_authenticated`, `_disconnected`,
//   `authKey`, `dcId`, `_pendingState`, `reconnect()` — and answers each `RequestState` from
//   the bytes GramJS serialised for it, as Telegram would.
// - `client._initSession`: GramJS's `connect()` calls it first, then builds an `MTProtoSender`
//   only if `_sender` is unset. Ours runs GramJS's own `_initSession` and then installs the
//   scripted sender, so the rest of `connect()` (InitConnection, auth key saved in the
//   session, `_connectedDeferred`, the `true` / `false` it returns) is GramJS's own code, and
//   `client.connected` stays `undefined` until the first connect, as in GramJS.
// - `client._borrowExportedSender`: `getSender(dc)` (and so `uploadFile`) borrows a second
//   sender through it. GramJS's version opens a real socket and arms a 30 s real-time release
//   timer per borrow that `disconnect()` never clears (it reads a Map with `Object.values`);
//   ours hands over a scripted sender for that DC.
// - `client._loopStarted` is set, unless asked otherwise: GramJS's ping loop (`_updateLoop`)
//   sleeps 9 s at a time on real time and only pings; a test on virtual time would leave it
//   running after the test ends.
import type { Api, TelegramClient } from 'telegram';
import { _handleUpdate } from 'telegram/client/updates.js';
import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { RequestState } from 'telegram/network/RequestState.js';

/** What the scripted Telegram decides about a connection attempt. */
export type ConnectVerdict = 'ok' | 'unreachable' | 'hang';

/** The scripted Telegram as a sender sees it. */
export interface ScriptedNetwork {
  connectVerdict(account: string): ConnectVerdict;
  /** Settles with the request's answer (already read from its bytes) or a GramJS error; may never settle. */
  handle(account: string, state: RequestState, sender: ScriptedSender): Promise<unknown>;
}

/** The members of a `TelegramClient` that GramJS keeps private and this double touches. */
export interface GramJsInternals {
  _sender: ScriptedSender | undefined;
  _initSession(): Promise<void>;
  _borrowExportedSender(dcId: number): Promise<ScriptedSender>;
  _loopStarted: boolean;
  _eventBuilders: [unknown, CallableFunction][];
  _entityCache: { cacheMap: Map<string, unknown> };
  _requestRetries: number;
  floodSleepThreshold: number;
}

export function internals(client: TelegramClient): GramJsInternals {
  return client as unknown as GramJsInternals;
}

/** A stand-in for GramJS's `MTProtoSender` that answers from a scripted Telegram. */
export class ScriptedSender {
  userDisconnected = false;
  isConnecting = false;
  isReconnecting = false;
  _authenticated = true;
  _userConnected = false;
  _disconnected = true;
  readonly authKey: AuthKey;
  dcId: number;
  /** GramJS's exported-sender release reads this; nothing is ever pending in our queue. */
  readonly _pendingState = { values: (): RequestState[] => [] };
  readonly #queue: RequestState[] = [];

  constructor(
    readonly account: string,
    readonly client: TelegramClient,
    readonly network: ScriptedNetwork,
    options: { dcId: number; main: boolean; authKey?: AuthKey | undefined },
  ) {
    this.dcId = options.dcId;
    this.main = options.main;
    this.authKey = options.authKey ?? new AuthKey();
  }

  readonly main: boolean;

  /** GramJS's signature: `connect(connection, force)`. Returns false when Telegram is unreachable. */
  async connect(_connection?: unknown, _force?: boolean): Promise<boolean> {
    this.userDisconnected = false;
    if (this._userConnected) return false; // GramJS: "User is already connected!"
    this.isConnecting = true;
    const verdict = this.network.connectVerdict(this.account);
    if (verdict === 'hang') return new Promise<boolean>(() => {});
    if (verdict === 'unreachable') {
      // GramJS reports the first failed attempt, then gives up after its retries.
      this.#update(new UpdateConnectionState(UpdateConnectionState.disconnected));
      this.isConnecting = false;
      return false;
    }
    if (!this.authKey.getKey()) {
      // The key Telegram would agree on; the session string then carries it, as with GramJS.
      await this.authKey.setKey(Buffer.alloc(256, this.account.length + this.dcId));
    }
    this._userConnected = true;
    this._disconnected = false;
    this.isConnecting = false;
    this.#update(new UpdateConnectionState(UpdateConnectionState.connected));
    for (const state of this.#queue.splice(0)) this.#answer(state);
    return true;
  }

  isConnected(): boolean {
    return this._userConnected;
  }

  async disconnect(): Promise<void> {
    this.userDisconnected = true;
    await this._disconnect();
  }

  async _disconnect(): Promise<void> {
    this.#update(new UpdateConnectionState(UpdateConnectionState.disconnected));
    this._userConnected = false;
    this._disconnected = true;
  }

  /** The connection dropped under GramJS (not asked for by the user). */
  drop(): void {
    if (!this._userConnected) return;
    this._userConnected = false;
    this.#update(new UpdateConnectionState(UpdateConnectionState.broken));
  }

  reconnect(): void {}

  send(request: Api.AnyRequest): Promise<unknown> {
    const state = new RequestState(request);
    this.addStateToQueue(state);
    return state.promise as Promise<unknown>;
  }

  /** GramJS's invoke hands its `RequestState` (request already serialised into `data`) here. */
  addStateToQueue(state: RequestState): void {
    // Like MTProtoSender's queue: requests made while disconnected leave once connected.
    if (!this._userConnected) this.#queue.push(state);
    else this.#answer(state);
  }

  #answer(state: RequestState): void {
    // Each attempt of invoke's retry loop has its own promise; answer the current one.
    const { resolve, reject } = state;
    this.network.handle(this.account, state, this).then(resolve, reject);
  }

  #update(update: UpdateConnectionState): void {
    // The real sender's updateCallback is GramJS's `_handleUpdate`, on the main sender only.
    if (this.main) _handleUpdate(this.client, update as unknown as Api.TypeUpdate);
  }
}

/**
 * Wire a real `TelegramClient` to account `account` of a scripted Telegram. The client's own
 * `connect()`, `invoke()`, `getSender()`, `uploadFile()` and update dispatch then run as GramJS
 * wrote them; only the members listed at the top of this file are replaced.
 */
export function wireClient(
  client: TelegramClient,
  account: string,
  network: ScriptedNetwork,
  options: { pingLoop?: boolean } = {},
): ScriptedSender[] {
  const gram = internals(client);
  const senders: ScriptedSender[] = [];
  const initSession = gram._initSession.bind(client);
  gram._initSession = async () => {
    await initSession();
    if (gram._sender === undefined) {
      const key = client.session.getAuthKey();
      gram._sender = new ScriptedSender(account, client, network, {
        dcId: client.session.dcId,
        main: true,
        authKey: key,
      });
      senders.push(gram._sender);
    }
  };
  const exported = new Map<number, ScriptedSender>();
  gram._borrowExportedSender = async (dcId: number) => {
    let sender = exported.get(dcId);
    if (sender === undefined) {
      sender = new ScriptedSender(account, client, network, { dcId, main: false });
      exported.set(dcId, sender);
      senders.push(sender);
    }
    // GramJS retries an exported sender's connect for ever; an unreachable network hangs here.
    while (!sender.isConnected()) {
      if (!(await sender.connect())) return new Promise<ScriptedSender>(() => {});
    }
    return sender;
  };
  if (!options.pingLoop) gram._loopStarted = true;
  return senders;
}
