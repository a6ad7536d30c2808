// A scripted Telegram below GramJS's sender (TELEGRAM.md, "Testing offline", level 2).
//
// Clients are real GramJS `TelegramClient`s; only their MTProto sender is replaced (see
// scriptedSender.ts for the exact members and why). GramJS's own `connect()`, `invoke()`
// (serialising, entity cache, flood-sleep rule), `getInputEntity()`, `uploadFile()` and update
// dispatch run unchanged. Requests are decoded from the bytes GramJS wrote, answers are read
// back through the request's own `readResult`, and errors are built with `RPCMessageToError`.
//
// What Telegram keeps per account is kept per account here: access hashes (derived from the
// account and the peer, so one account's hash fails on another), contacts, the randomIds it
// has seen, basic-group and private message ids, whether dialogs were loaded, uploaded file
// parts (which expire on the injected clock).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Clock } from '@switchyard/core';
import { Api, TelegramClient } from 'telegram';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { returnBigInt } from 'telegram/Helpers.js';
import type { RequestState } from 'telegram/network/RequestState.js';
import { StringSession } from 'telegram/sessions/index.js';
import { createTelegramClient } from '../src/createClient.js';
import {
  type ConnectVerdict,
  type ScriptedNetwork,
  type ScriptedSender,
  wireClient,
} from './scriptedSender.js';
import { type Dialect, gramJs, wireCode } from './tlWire.js';

export type BigInteger = ReturnType<typeof returnBigInt>;

/** One message Telegram accepted. */
export interface Delivery {
  readonly session: string;
  /** `user:ID`, `channel:ID` or `chat:ID`. */
  readonly peer: string;
  readonly randomId: string;
  /** The request as Telegram received it (decoded from GramJS's bytes). */
  readonly request: Api.messages.SendMessage | Api.messages.SendMedia;
  readonly text: string;
  readonly media: Api.TypeMessageMedia | undefined;
  /** The message id the sending account saw. */
  readonly messageId: number;
  readonly at: number;
}

/** A delivery as `persistTo` keeps it in its file. */
export interface PersistedDelivery {
  readonly session: string;
  readonly peer: string;
  readonly randomId: string;
  readonly text: string;
  readonly at: number;
}

/** The deliveries a `persistTo` file holds (none when it does not exist); a torn last line is ignored. */
export function readPersistedDeliveries(path: string): PersistedDelivery[] {
  if (!existsSync(path)) return [];
  const out: PersistedDelivery[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as PersistedDelivery);
    } catch {
      // A process killed mid-write leaves a partial line: that delivery was never answered.
    }
  }
  return out;
}

/** One request that reached Telegram. */
export interface RequestRecord {
  readonly session: string;
  /** GramJS's own request object, as it was handed to the sender. */
  readonly request: Api.AnyRequest;
  readonly at: number;
}

export type Fault =
  /** Telegram answers with this error (e.g. 'FLOOD_WAIT_30', 'PEER_FLOOD'): nothing happened. */
  | { readonly rpc: string; readonly code?: number; readonly after?: false }
  /** The request takes effect, then the answer is this error: the outcome is unknown to the caller. */
  | { readonly rpc: string; readonly code?: number; readonly after: true }
  /** No answer ever comes (before or after the effect). */
  | { readonly hang: true; readonly after?: boolean };

export interface FaultContext {
  readonly session: string;
  /** The request as Telegram received it. */
  readonly request: Api.AnyRequest;
  /** `user:ID`, `channel:ID` or `chat:ID` for requests aimed at a peer. */
  readonly peer: string | undefined;
  /** 1 for the first request of this class from this session to this peer, 2 for the next… */
  readonly n: number;
}

export interface UserSpec {
  readonly username?: string;
  /** `+` and digits. */
  readonly phone?: string;
  readonly firstName?: string;
}

export interface UserRecord {
  readonly id: number;
  readonly username: string | undefined;
  readonly phone: string | undefined;
  readonly firstName: string;
}

/** A member: a user id, a username (with or without `@`), or a session (account) name. */
export type MemberRef = number | string;

export interface ChannelSpec {
  readonly title?: string;
  /** Public username; without one the channel is private (reachable by invite or dialogs). */
  readonly username?: string;
  readonly inviteHash?: string;
  /** The invite link has expired. */
  readonly inviteExpired?: boolean;
  /** Joining needs an admin's approval (`INVITE_REQUEST_SENT`). */
  readonly approval?: boolean;
  /** A broadcast channel rather than a supergroup. */
  readonly broadcast?: boolean;
  readonly members?: readonly MemberRef[];
  /** That many generated members besides `members`. */
  readonly generatedMembers?: number;
  readonly admins?: readonly MemberRef[];
  /** Only admins are listed to non-admins. */
  readonly hiddenMembers?: boolean;
}

export interface ChannelRecord {
  readonly id: number;
  /** The id GramJS and the adapter write for it: `-100` + id. */
  readonly markedId: string;
  readonly title: string;
  readonly username: string | undefined;
  readonly inviteHash: string | undefined;
  readonly inviteExpired: boolean;
  readonly approval: boolean;
  readonly broadcast: boolean;
  readonly members: number[];
  readonly admins: Set<number>;
  readonly hiddenMembers: boolean;
  /** A user who promoted the admins and is not a member: Telegram lists them with every page. */
  readonly promoterId: number;
  readonly messages: StoredMessage[];
  pts: number;
}

export interface BasicGroupSpec {
  readonly title?: string;
  readonly inviteHash?: string;
  readonly members?: readonly MemberRef[];
  /**
   * Who added the members (default: the first member). May be someone who has since left:
   * Telegram still names them as each participant's inviter and attaches them to `ChatFull.users`.
   */
  readonly inviter?: MemberRef;
}

export interface BasicGroupRecord {
  readonly id: number;
  /** `-` + id. */
  readonly markedId: string;
  readonly title: string;
  readonly inviteHash: string | undefined;
  readonly members: number[];
  /** Who added the members; undefined: the first member. */
  readonly inviterId: number | undefined;
}

interface StoredMessage {
  readonly id: number;
  readonly text: string;
  readonly fromId: number | undefined;
  readonly date: number;
  readonly pts: number;
  readonly media?: Api.TypeMessageMedia | undefined;
  /** A service message (group created, user joined). */
  readonly action?: Api.TypeMessageAction;
}

interface Account {
  readonly name: string;
  readonly userId: number;
  readonly contacts: Set<number>;
  readonly randomIds: Set<string>;
  dialogsLoaded: boolean;
  /** fileId → part number → when it was saved. */
  readonly uploads: Map<string, Map<number, number>>;
  /** Private and basic-group message ids are per account. */
  nextMessageId: number;
  /** Basic group id → this account's copy of its history. */
  readonly chatHistory: Map<number, StoredMessage[]>;
  dead: { readonly message: string; readonly code: number } | undefined;
  readonly clients: TelegramClient[];
  readonly senders: ScriptedSender[][];
}

/** Telegram's answer to a request is an error. */
class TelegramSays extends Error {
  constructor(
    readonly wire: string,
    readonly code?: number,
  ) {
    super(wire);
  }
}

const DEFAULT_API_HASH = '0123456789abcdef0123456789abcdef';
const FIRST_NAMES = ['Anna', 'Boris', 'Chen', 'Dana', 'Emil', 'Fatima', 'Goran', 'Hana', 'Ivan', 'Júlia'];

/** Telegram, per account, under real GramJS clients. */
export class ScriptedTelegram {
  readonly clock: Clock;
  /** Every message Telegram accepted, in order. */
  readonly deliveries: Delivery[] = [];
  /** Every request that reached Telegram (not those stopped by GramJS before the wire). */
  readonly requests: RequestRecord[] = [];
  /** Decide a fault for a request, or none. */
  fault: (ctx: FaultContext) => Fault | undefined = () => undefined;
  /** Called before each request is answered; a promise delays the answer (latency). */
  onRequest: (ctx: FaultContext) => void | Promise<void> = () => {};
  /** Sessions whose network is down: `connect()` returns false. */
  readonly unreachable = new Set<string>();
  /** Sessions whose `connect()` never completes. */
  readonly hangConnect = new Set<string>();
  /** Every connection attempt, by session. */
  readonly connects: string[] = [];
  /** How long Telegram keeps uploaded file parts. */
  uploadTtlMs: number;
  /** Members a non-admin can list per filter. */
  participantsCap: number;

  readonly #accounts = new Map<string, Account>();
  readonly #users = new Map<number, UserRecord>();
  readonly #channels = new Map<number, ChannelRecord>();
  readonly #chats = new Map<number, BasicGroupRecord>();
  readonly #counts = new Map<string, number>();
  /** Photos and documents made from uploads, reusable by id (InputMediaPhoto / InputMediaDocument). */
  readonly #mediaById = new Map<string, Api.Photo | Api.Document>();
  #nextUserId = 1000;
  #nextChannelId = 1_700_000_000;
  #nextChatId = 4000;
  #nextMediaId = 1;

  constructor(options: {
    clock: Clock;
    /** Default 1 h; Telegram keeps parts for a limited, unpublished time (under a day). */
    uploadTtlMs?: number;
    /** Default 10,000, what Telegram shows a non-admin per filter. */
    participantsCap?: number;
  }) {
    this.clock = options.clock;
    this.uploadTtlMs = options.uploadTtlMs ?? 3600_000;
    this.participantsCap = options.participantsCap ?? 10_000;
  }

  // ── the world ────────────────────────────────────────────────────────────────────────────

  addUser(spec: UserSpec = {}): UserRecord {
    const id = this.#nextUserId++;
    const user: UserRecord = {
      id,
      username: spec.username,
      phone: spec.phone?.replace(/^\+/, ''),
      firstName: spec.firstName ?? spec.username ?? `User ${id}`,
    };
    this.#users.set(id, user);
    return user;
  }

  /** The user registered under `username` (case-insensitive). */
  user(username: string): UserRecord | undefined {
    const key = username.replace(/^@/, '').toLowerCase();
    for (const u of this.#users.values()) if (u.username?.toLowerCase() === key) return u;
    return undefined;
  }

  addChannel(spec: ChannelSpec = {}): ChannelRecord {
    const id = this.#nextChannelId++;
    const members = (spec.members ?? []).map((m) => this.#memberId(m));
    for (let i = 0; i < (spec.generatedMembers ?? 0); i++) {
      const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
      members.push(
        this.addUser({ username: `${first.normalize('NFD').replace(/\W/g, '')}${id}x${i}`, firstName: first })
          .id,
      );
    }
    const admins = new Set((spec.admins ?? []).map((m) => this.#memberId(m)));
    for (const a of admins) if (!members.includes(a)) members.push(a);
    const channel: ChannelRecord = {
      id,
      markedId: `-100${id}`,
      title: spec.title ?? spec.username ?? `channel ${id}`,
      username: spec.username,
      inviteHash: spec.inviteHash,
      inviteExpired: spec.inviteExpired ?? false,
      approval: spec.approval ?? false,
      broadcast: spec.broadcast ?? false,
      members,
      admins,
      hiddenMembers: spec.hiddenMembers ?? false,
      promoterId: this.addUser({ firstName: 'Promoter' }).id,
      messages: [],
      pts: 1,
    };
    // Telegram's message 1 of a channel is the service message that created it.
    channel.messages.push({
      id: 1,
      text: '',
      fromId: undefined,
      date: this.#date(),
      pts: 1,
      action: new Api.MessageActionChannelCreate({ title: channel.title }),
    });
    this.#channels.set(id, channel);
    return channel;
  }

  addBasicGroup(spec: BasicGroupSpec = {}): BasicGroupRecord {
    const id = this.#nextChatId++;
    const group: BasicGroupRecord = {
      id,
      markedId: `-${id}`,
      title: spec.title ?? `group ${id}`,
      inviteHash: spec.inviteHash,
      members: (spec.members ?? []).map((m) => this.#memberId(m)),
      inviterId: spec.inviter === undefined ? undefined : this.#memberId(spec.inviter),
    };
    this.#chats.set(id, group);
    // Each member account's own copy of the history starts with the creation message.
    for (const account of this.#accounts.values()) {
      if (group.members.includes(account.userId))
        this.#chatService(
          account,
          group,
          new Api.MessageActionChatCreate({ title: group.title, users: group.members.map(big) }),
        );
    }
    return group;
  }

  channel(id: number): ChannelRecord {
    const c = this.#channels.get(id);
    if (!c) throw new Error(`scripted Telegram: no channel ${id}`);
    return c;
  }

  /** The user id of session `name`'s own account. */
  selfId(name: string): number {
    return this.#account(name).userId;
  }

  /** Whether `name` has loaded its dialogs (messages.GetDialogs). */
  dialogsLoaded(name: string): boolean {
    return this.#account(name).dialogsLoaded;
  }

  /** The user ids in `name`'s contact list. */
  contactsOf(name: string): number[] {
    return [...this.#account(name).contacts];
  }

  /** The access hash Telegram issues to account `name` for a user or channel. */
  accessHash(name: string, kind: 'user' | 'channel', id: number): BigInteger {
    return accessHashFor(name, kind, id);
  }

  /** Requests of one session, optionally of one class (e.g. 'contacts.GetContacts'). */
  requestsOf(session: string, className?: string): Api.AnyRequest[] {
    return this.requests
      .filter((r) => r.session === session && (className === undefined || r.request.className === className))
      .map((r) => r.request);
  }

  deliveriesTo(peer: string): Delivery[] {
    return this.deliveries.filter((d) => d.peer === peer);
  }

  // ── clients ──────────────────────────────────────────────────────────────────────────────

  /**
   * The real TelegramClient of session `name` (made once, as the adapter makes clients):
   * floodSleepThreshold 0, finite connectionRetries, GramJS's logger silenced.
   */
  // ---------------------------------------------------------------- persistence across processes

  #persistPath: string | undefined;

  /**
   * Keep what Telegram remembers of sends in a file, so it outlives the process (a test that
   * kills it): each account's seen randomIds, and every delivery, one JSON line each
   * (`PersistedDelivery`). Loads what the file already holds; then appends each delivery
   * synchronously as Telegram accepts it, before answering. Accounts are named by session.
   */
  persistTo(path: string): void {
    for (const d of readPersistedDeliveries(path)) this.#account(d.session).randomIds.add(d.randomId);
    this.#persistPath = path;
  }

  #persist(delivery: Delivery): void {
    if (this.#persistPath === undefined) return;
    const line: PersistedDelivery = {
      session: delivery.session,
      peer: delivery.peer,
      randomId: delivery.randomId,
      text: delivery.text,
      at: delivery.at,
    };
    appendFileSync(this.#persistPath, `${JSON.stringify(line)}\n`);
  }

  client(name: string, secrets: { sessionString?: string; apiHash?: string } = {}): TelegramClient {
    const account = this.#account(name);
    const existing = account.clients[0];
    if (existing) return existing;
    const client = createTelegramClient(secrets.sessionString ?? '', {
      apiId: 1,
      apiHash: secrets.apiHash ?? DEFAULT_API_HASH,
    });
    return this.attach(name, client);
  }

  /**
   * A client built the way a user builds one — `new TelegramClient(new StringSession(''), …)`
   * with GramJS's defaults (floodSleepThreshold 60) — wired to session `name`.
   */
  userBuiltClient(
    name: string,
    params: ConstructorParameters<typeof TelegramClient>[3] = {},
  ): TelegramClient {
    const client = new TelegramClient(new StringSession(''), 1, DEFAULT_API_HASH, {
      baseLogger: new Logger(LogLevel.NONE),
      ...params,
    });
    return this.attach(name, client);
  }

  /** Wire a client the test built itself to session `name`. Returns the client. */
  attach<C extends TelegramClient>(
    name: string,
    client: C,
    options: { pingLoop?: boolean; dialect?: Dialect } = {},
  ): C {
    const account = this.#account(name);
    account.clients.push(client);
    this.#dialects.set(client, options.dialect ?? gramJs);
    // GramJS makes the senders lazily (on connect, on the first upload); the list fills then.
    account.senders.push(wireClient(client, name, this.#network, options));
    return client;
  }

  /** Every account dies with this error: every later request fails with it. */
  kill(name: string, wire = 'AUTH_KEY_UNREGISTERED'): void {
    this.#account(name).dead = { message: wire, code: wireCode(wire) };
  }

  /** The connection of `name`'s clients breaks (GramJS reports `UpdateConnectionState` broken). */
  drop(name: string): void {
    for (const sender of this.#account(name).senders.flat()) if (sender.main) sender.drop();
  }

  // ── losing the network ───────────────────────────────────────────────────────────────────

  /**
   * Session `name` loses its network: its connection breaks under GramJS (which reports
   * `UpdateConnectionState` broken) and every `connect()` returns false until `restoreNetwork`.
   */
  loseNetwork(name: string): void {
    this.unreachable.add(name);
    this.drop(name);
  }

  /** Session `name`'s network is back: the next `connect()` succeeds. */
  restoreNetwork(name: string): void {
    this.unreachable.delete(name);
  }

  /**
   * Telegram answers the first request of every new connection of `name` (the
   * `InitConnection(help.getConfig)` GramJS's `connect()` sends once the socket is up) with the
   * error `wire`, so `connect()` throws it; `undefined` lets connections through again.
   */
  refuseConnections(name: string, wire: string | undefined): void {
    if (wire === undefined) this.#refusedConnections.delete(name);
    else this.#refusedConnections.set(name, wire);
  }

  readonly #refusedConnections = new Map<string, string>();

  // ── updates ──────────────────────────────────────────────────────────────────────────────

  /**
   * A new message in a channel or basic group, stored in its history and pushed through
   * GramJS's update path to the connected clients of member accounts (or only `to`).
   * Returns the message id (for a basic group: per account, so by session).
   */
  pushNewMessage(options: {
    channel?: number;
    chat?: number;
    text: string;
    from?: MemberRef;
    to?: readonly string[];
  }): { id: number; idBySession: Map<string, number> } {
    const fromId = options.from === undefined ? undefined : this.#memberId(options.from);
    const date = this.#date();
    const idBySession = new Map<string, number>();
    if (options.channel !== undefined) {
      const channel = this.channel(options.channel);
      const stored = this.#postToChannel(channel, options.text, fromId, date);
      for (const account of this.#accounts.values()) {
        if (!channel.members.includes(account.userId)) continue;
        if (options.to && !options.to.includes(account.name)) continue;
        idBySession.set(account.name, stored.id);
        const update = new Api.UpdateNewChannelMessage({
          message: this.#channelMessage(channel, stored),
          pts: stored.pts,
          ptsCount: 1,
        });
        this.#push(account, this.#updates(account, [update], fromId, [channel]));
      }
      return { id: stored.id, idBySession };
    }
    if (options.chat !== undefined) {
      const group = this.#chats.get(options.chat);
      if (!group) throw new Error(`scripted Telegram: no basic group ${options.chat}`);
      for (const account of this.#accounts.values()) {
        if (!group.members.includes(account.userId)) continue;
        const stored = this.#postToChatCopy(account, group, options.text, fromId, date);
        idBySession.set(account.name, stored.id);
        if (options.to && !options.to.includes(account.name)) continue;
        const update = new Api.UpdateNewMessage({
          message: this.#chatMessage(group, stored),
          pts: stored.pts,
          ptsCount: 1,
        });
        this.#push(account, this.#updates(account, [update], fromId, [], [group]));
      }
      return { id: idBySession.values().next().value ?? 0, idBySession };
    }
    throw new Error('scripted Telegram: pushNewMessage needs a channel or a chat');
  }

  /** Telegram tells session `name` it missed too much in a channel (GramJS does not catch up). */
  pushChannelTooLong(name: string, channelId: number): void {
    const channel = this.channel(channelId);
    const account = this.#account(name);
    this.#push(
      account,
      this.#updates(
        account,
        [new Api.UpdateChannelTooLong({ channelId: returnBigInt(channelId), pts: channel.pts })],
        undefined,
        [channel],
      ),
    );
  }

  /** Any update, through GramJS's own update path, to session `name`'s connected clients. */
  pushUpdate(name: string, updates: Api.TypeUpdates): void {
    this.#push(this.#account(name), updates);
  }

  /** A connection-state update (1 connected, -1 disconnected, 0 broken) as GramJS emits it. */
  pushConnectionState(name: string, state: -1 | 0 | 1): void {
    for (const client of this.#account(name).clients) this.#dialectOf(client).handleUpdate(client, state);
  }

  // ── the network, as the senders see it ───────────────────────────────────────────────────

  readonly #network: ScriptedNetwork = {
    connectVerdict: (account: string): ConnectVerdict => {
      this.connects.push(account);
      if (this.hangConnect.has(account)) return 'hang';
      if (this.unreachable.has(account)) return 'unreachable';
      return 'ok';
    },
    handle: (account: string, state: RequestState, sender: ScriptedSender) =>
      this.#handle(account, state, sender.dialect),
  };

  async #handle(session: string, state: RequestState, dialect: Dialect): Promise<unknown> {
    const { overTheWire, rpcError } = dialect;
    const original = state.request as Api.AnyRequest;
    // What Telegram receives: the bytes GramJS serialised. A malformed request fails here,
    // inside GramJS's invoke (RequestState serialises on construction), as it would for real.
    const request = dialect.decodeRequest(state.data);
    const account = this.#account(session);
    await Promise.resolve();
    const inner = unwrap(request);
    const refusal = this.#refusedConnections.get(session);
    if (refusal !== undefined && inner instanceof Api.help.GetConfig)
      throw rpcError(refusal, undefined, original);
    // Connection set-up and pings are not scripted: they are what `connect()` itself sends.
    if (inner instanceof Api.help.GetConfig || inner instanceof Api.PingDelayDisconnect) {
      return overTheWire(original, this.#answerOf(account, inner));
    }
    this.requests.push({ session, request: original, at: this.clock.now() });
    const peer = peerKeyOf(inner);
    const countKey = `${session}\u0000${inner.className}\u0000${peer ?? ''}`;
    const n = (this.#counts.get(countKey) ?? 0) + 1;
    this.#counts.set(countKey, n);
    const ctx: FaultContext = { session, request: inner, peer, n };
    await this.onRequest(ctx);
    if (account.dead) throw rpcError(account.dead.message, account.dead.code, original);
    const fault = this.fault(ctx);
    if (fault && !fault.after) {
      if ('hang' in fault) return never();
      throw rpcError(fault.rpc, fault.code, original);
    }
    let answer: unknown;
    try {
      answer = this.#answerOf(account, inner);
    } catch (error) {
      if (error instanceof TelegramSays) throw rpcError(error.wire, error.code, original);
      throw error;
    }
    if (fault?.after) {
      if ('hang' in fault) return never();
      throw rpcError(fault.rpc, fault.code, original);
    }
    return overTheWire(original, answer);
  }

  #answerOf(account: Account, r: Api.AnyRequest): unknown {
    if (r instanceof Api.help.GetConfig) return config(this.#date());
    if (r instanceof Api.PingDelayDisconnect)
      return new Api.Pong({ msgId: returnBigInt(0), pingId: r.pingId });
    if (r instanceof Api.updates.GetState)
      return new Api.updates.State({ pts: 1, qts: 0, date: this.#date(), seq: 0, unreadCount: 0 });
    if (r instanceof Api.users.GetUsers) return this.#getUsers(account, r);
    if (r instanceof Api.contacts.ResolveUsername) return this.#resolveUsername(account, r.username);
    if (r instanceof Api.contacts.ResolvePhone) {
      const user = this.#userByPhone(r.phone);
      if (!user) throw new TelegramSays('PHONE_NOT_OCCUPIED');
      return new Api.contacts.ResolvedPeer({
        peer: new Api.PeerUser({ userId: big(user.id) }),
        chats: [],
        users: [this.#userFor(account, user.id)],
      });
    }
    if (r instanceof Api.contacts.ImportContacts) return this.#importContacts(account, r);
    if (r instanceof Api.contacts.GetContacts) {
      const ids = [...account.contacts];
      return new Api.contacts.Contacts({
        contacts: ids.map((id) => new Api.Contact({ userId: big(id), mutual: false })),
        savedCount: 0,
        users: ids.map((id) => this.#userFor(account, id)),
      });
    }
    if (r instanceof Api.messages.GetDialogs) return this.#dialogs(account, r);
    if (r instanceof Api.messages.SendMessage || r instanceof Api.messages.SendMedia)
      return this.#send(account, r);
    if (r instanceof Api.messages.UploadMedia) {
      this.#target(account, r.peer);
      return this.#media(account, r.media);
    }
    if (r instanceof Api.upload.SaveFilePart || r instanceof Api.upload.SaveBigFilePart) {
      const parts = account.uploads.get(r.fileId.toString()) ?? new Map<number, number>();
      account.uploads.set(r.fileId.toString(), parts);
      parts.set(r.filePart, this.clock.now());
      return true;
    }
    if (r instanceof Api.channels.GetChannels) {
      return new Api.messages.Chats({
        chats: r.id.map((c) => this.#channelFor(account, this.#inputChannel(account, c))),
      });
    }
    if (r instanceof Api.messages.GetChats) {
      const chats = r.id
        .map((id) => this.#chats.get(Number(id.toString())))
        .filter((g): g is BasicGroupRecord => g?.members.includes(account.userId) === true)
        .map((g) => this.#chatFor(g));
      return new Api.messages.Chats({ chats });
    }
    if (r instanceof Api.channels.GetFullChannel) return this.#fullChannel(account, r);
    if (r instanceof Api.messages.GetFullChat) return this.#fullChat(account, Number(r.chatId.toString()));
    if (r instanceof Api.channels.GetParticipants) return this.#participants(account, r);
    if (r instanceof Api.channels.JoinChannel)
      return this.#join(account, this.#inputChannel(account, r.channel));
    if (r instanceof Api.messages.CheckChatInvite) return this.#checkInvite(account, r.hash);
    if (r instanceof Api.messages.ImportChatInvite) return this.#importInvite(account, r.hash);
    if (r instanceof Api.messages.GetHistory) return this.#history(account, r);
    if (r instanceof Api.updates.GetChannelDifference) return this.#channelDifference(account, r);
    throw new Error(`scripted Telegram: no answer scripted for ${r.className}`);
  }

  // ── answers ──────────────────────────────────────────────────────────────────────────────

  #getUsers(account: Account, r: Api.users.GetUsers): Api.TypeUser[] {
    const out: Api.TypeUser[] = [];
    for (const input of r.id) {
      if (input instanceof Api.InputUserSelf) out.push(this.#userFor(account, account.userId));
      else if (input instanceof Api.InputUser) {
        const id = Number(input.userId.toString());
        const user = this.#users.get(id);
        if (!user) continue;
        // Telegram accepts a zero hash for a contact; otherwise the user is left out of the answer.
        const known = input.accessHash.equals(accessHashFor(account.name, 'user', id));
        if (known || (input.accessHash.isZero() && account.contacts.has(id)))
          out.push(this.#userFor(account, id));
      }
    }
    return out;
  }

  #resolveUsername(account: Account, username: string): Api.contacts.ResolvedPeer {
    const key = username.toLowerCase();
    for (const c of this.#channels.values()) {
      if (c.username?.toLowerCase() === key) {
        return new Api.contacts.ResolvedPeer({
          peer: new Api.PeerChannel({ channelId: big(c.id) }),
          chats: [this.#channelFor(account, c)],
          users: [],
        });
      }
    }
    const user = this.user(username);
    if (!user) throw new TelegramSays('USERNAME_NOT_OCCUPIED');
    return new Api.contacts.ResolvedPeer({
      peer: new Api.PeerUser({ userId: big(user.id) }),
      chats: [],
      users: [this.#userFor(account, user.id)],
    });
  }

  #importContacts(account: Account, r: Api.contacts.ImportContacts): Api.contacts.ImportedContacts {
    const imported: Api.ImportedContact[] = [];
    const users: Api.TypeUser[] = [];
    for (const contact of r.contacts) {
      if (!(contact instanceof Api.InputPhoneContact)) continue;
      const user = this.#userByPhone(contact.phone);
      if (!user) continue;
      account.contacts.add(user.id);
      imported.push(new Api.ImportedContact({ userId: big(user.id), clientId: contact.clientId }));
      users.push(this.#userFor(account, user.id));
    }
    return new Api.contacts.ImportedContacts({ imported, popularInvites: [], retryContacts: [], users });
  }

  /**
   * The account's dialogs, newest first, a page at a time as Telegram serves them: at most
   * `limit` (100) after `offsetPeer`, and a `DialogsSlice` with the total while more remain.
   */
  #dialogs(account: Account, r: Api.messages.GetDialogs): Api.messages.TypeDialogs {
    account.dialogsLoaded = true;
    type Entry = {
      key: string;
      dialog: Api.Dialog;
      message: Api.TypeMessage | undefined;
      chat: Api.TypeChat;
      date: number;
    };
    const all: Entry[] = [];
    const notify = new Api.PeerNotifySettings({});
    for (const c of this.#channels.values()) {
      if (!c.members.includes(account.userId)) continue;
      const top = c.messages.at(-1);
      const peer = new Api.PeerChannel({ channelId: big(c.id) });
      all.push({
        key: `channel:${c.id}`,
        dialog: dialog(peer, top?.id ?? 0, notify),
        message: top ? this.#channelMessage(c, top) : undefined,
        chat: this.#channelFor(account, c),
        date: top?.date ?? 0,
      });
    }
    for (const g of this.#chats.values()) {
      if (!g.members.includes(account.userId)) continue;
      const top = account.chatHistory.get(g.id)?.at(-1);
      const peer = new Api.PeerChat({ chatId: big(g.id) });
      all.push({
        key: `chat:${g.id}`,
        dialog: dialog(peer, top?.id ?? 0, notify),
        message: top ? this.#chatMessage(g, top) : undefined,
        chat: this.#chatFor(g),
        date: top?.date ?? 0,
      });
    }
    // Newest first; a stable order among equal dates, so paging by offsetPeer is exact.
    const ordered = all
      .map((e, i) => ({ e, i }))
      .sort((x, y) => y.e.date - x.e.date || y.i - x.i)
      .map((x) => x.e);
    const op = r.offsetPeer;
    const after =
      op instanceof Api.InputPeerChannel
        ? `channel:${op.channelId.toString()}`
        : op instanceof Api.InputPeerChat
          ? `chat:${op.chatId.toString()}`
          : undefined;
    const from = after === undefined ? 0 : ordered.findIndex((e) => e.key === after) + 1;
    const limit = Math.min(100, Math.max(1, r.limit));
    const page = ordered.slice(from, from + limit);
    const body = {
      dialogs: page.map((e) => e.dialog),
      messages: page.flatMap((e) => (e.message ? [e.message] : [])),
      chats: page.map((e) => e.chat),
      users: [this.#userFor(account, account.userId)],
    };
    return ordered.length > limit
      ? new Api.messages.DialogsSlice({ count: ordered.length, ...body })
      : new Api.messages.Dialogs(body);
  }

  #send(account: Account, r: Api.messages.SendMessage | Api.messages.SendMedia): Api.Updates {
    const target = this.#target(account, r.peer);
    const media = r instanceof Api.messages.SendMedia ? this.#media(account, r.media) : undefined;
    if (r.randomId === undefined) throw new TelegramSays('RANDOM_ID_INVALID');
    const randomId = r.randomId.toString();
    if (account.randomIds.has(randomId)) throw new TelegramSays('RANDOM_ID_DUPLICATE');
    account.randomIds.add(randomId);
    const date = this.#date();
    let update: Api.TypeUpdate;
    let messageId: number;
    const chats: ChannelRecord[] = [];
    const groups: BasicGroupRecord[] = [];
    if (target.kind === 'channel') {
      const stored = this.#postToChannel(target.channel, r.message, account.userId, date, media);
      messageId = stored.id;
      chats.push(target.channel);
      update = new Api.UpdateNewChannelMessage({
        message: this.#channelMessage(target.channel, stored),
        pts: stored.pts,
        ptsCount: 1,
      });
    } else if (target.kind === 'chat') {
      const stored = this.#postToChatCopy(account, target.group, r.message, account.userId, date, media);
      messageId = stored.id;
      groups.push(target.group);
      update = new Api.UpdateNewMessage({
        message: this.#chatMessage(target.group, stored),
        pts: stored.pts,
        ptsCount: 1,
      });
    } else {
      messageId = account.nextMessageId++;
      update = new Api.UpdateNewMessage({
        message: new Api.Message({
          id: messageId,
          out: true,
          peerId: new Api.PeerUser({ userId: big(target.userId) }),
          fromId: new Api.PeerUser({ userId: big(account.userId) }),
          date,
          message: r.message,
          ...(media ? { media } : {}),
        }),
        pts: messageId,
        ptsCount: 1,
      });
    }
    this.deliveries.push({
      session: account.name,
      peer: target.key,
      randomId,
      request: r,
      text: r.message,
      media,
      messageId,
      at: this.clock.now(),
    });
    this.#persist(this.deliveries[this.deliveries.length - 1]!);
    const users = target.kind === 'user' ? [target.userId] : [];
    return new Api.Updates({
      updates: [new Api.UpdateMessageID({ id: messageId, randomId: returnBigInt(randomId) }), update],
      users: [account.userId, ...users].map((id) => this.#userFor(account, id)),
      chats: [...chats.map((c) => this.#channelFor(account, c)), ...groups.map((g) => this.#chatFor(g))],
      date,
      seq: 0,
    });
  }

  /** The media a send or UploadMedia makes of its InputMedia; uploaded parts must still be there. */
  #media(account: Account, input: Api.TypeInputMedia): Api.TypeMessageMedia {
    if (input instanceof Api.InputMediaUploadedPhoto || input instanceof Api.InputMediaUploadedDocument) {
      this.#checkUpload(account, input.file);
      const id = this.#nextMediaId++;
      const common = {
        id: big(id),
        accessHash: big(id * 7919),
        fileReference: Buffer.from(`ref${id}`),
        date: this.#date(),
        dcId: 4,
      };
      if (input instanceof Api.InputMediaUploadedPhoto) {
        const photo = new Api.Photo({
          ...common,
          sizes: [new Api.PhotoSize({ type: 'x', w: 800, h: 600, size: 1000 })],
        });
        this.#mediaById.set(photo.id.toString(), photo);
        return new Api.MessageMediaPhoto({ photo });
      }
      const document = new Api.Document({
        ...common,
        mimeType: input.mimeType,
        size: big(1000),
        attributes: input.attributes,
      });
      this.#mediaById.set(document.id.toString(), document);
      return new Api.MessageMediaDocument({ document });
    }
    if (input instanceof Api.InputMediaPhoto || input instanceof Api.InputMediaDocument) {
      const ref = input.id;
      if (!(ref instanceof Api.InputPhoto || ref instanceof Api.InputDocument))
        throw new TelegramSays('MEDIA_EMPTY');
      const stored = this.#mediaById.get(ref.id.toString());
      if (!stored?.accessHash.equals(ref.accessHash)) throw new TelegramSays('MEDIA_EMPTY');
      if (Buffer.compare(stored.fileReference, ref.fileReference) !== 0)
        throw new TelegramSays('FILE_REFERENCE_EXPIRED');
      return stored instanceof Api.Photo
        ? new Api.MessageMediaPhoto({ photo: stored })
        : new Api.MessageMediaDocument({ document: stored });
    }
    throw new TelegramSays('MEDIA_INVALID');
  }

  #checkUpload(account: Account, file: Api.TypeInputFile): void {
    if (!(file instanceof Api.InputFile || file instanceof Api.InputFileBig))
      throw new TelegramSays('FILE_PARTS_INVALID');
    const parts = account.uploads.get(file.id.toString());
    const now = this.clock.now();
    for (let i = 0; i < file.parts; i++) {
      const savedAt = parts?.get(i);
      if (savedAt === undefined || now - savedAt >= this.uploadTtlMs)
        throw new TelegramSays(`FILE_PART_${i}_MISSING`);
    }
  }

  #fullChannel(account: Account, r: Api.channels.GetFullChannel): Api.messages.ChatFull {
    const c = this.#inputChannel(account, r.channel);
    const isAdmin = c.admins.has(account.userId);
    return new Api.messages.ChatFull({
      fullChat: new Api.ChannelFull({
        id: big(c.id),
        about: '',
        participantsCount: c.members.length,
        adminsCount: c.admins.size,
        canViewParticipants: !c.broadcast || isAdmin,
        participantsHidden: c.hiddenMembers,
        readInboxMaxId: 0,
        readOutboxMaxId: 0,
        unreadCount: 0,
        chatPhoto: new Api.PhotoEmpty({ id: big(0) }),
        notifySettings: new Api.PeerNotifySettings({}),
        botInfo: [],
        pts: c.pts,
      }),
      chats: [this.#channelFor(account, c)],
      users: [],
    });
  }

  #fullChat(account: Account, chatId: number): Api.messages.ChatFull {
    const g = this.#chats.get(chatId);
    if (!g?.members.includes(account.userId)) throw new TelegramSays('CHAT_ID_INVALID');
    const inviter = g.inviterId ?? g.members[0] ?? account.userId;
    return new Api.messages.ChatFull({
      fullChat: new Api.ChatFull({
        id: big(g.id),
        about: '',
        participants: new Api.ChatParticipants({
          chatId: big(g.id),
          participants: g.members.map(
            (id) => new Api.ChatParticipant({ userId: big(id), inviterId: big(inviter), date: 0 }),
          ),
          version: 1,
        }),
        notifySettings: new Api.PeerNotifySettings({}),
      }),
      chats: [this.#chatFor(g)],
      // Telegram attaches every user the participant list mentions: the inviters too.
      users: [...new Set([...g.members, inviter])].map((id) => this.#userFor(account, id)),
    });
  }

  #participants(account: Account, r: Api.channels.GetParticipants): Api.channels.ChannelParticipants {
    const c = this.#inputChannel(account, r.channel);
    const isMember = c.members.includes(account.userId);
    const isAdmin = c.admins.has(account.userId);
    if (!isMember && c.username === undefined) throw new TelegramSays('CHANNEL_PRIVATE');
    if (c.broadcast && !isAdmin) throw new TelegramSays('CHAT_ADMIN_REQUIRED');
    let list = c.members;
    const filter = r.filter;
    if (filter instanceof Api.ChannelParticipantsAdmins) list = list.filter((id) => c.admins.has(id));
    else if (filter instanceof Api.ChannelParticipantsSearch && filter.q !== '') {
      const q = filter.q.toLowerCase();
      list = list.filter((id) => {
        const u = this.#userRecord(id);
        return u.firstName.toLowerCase().includes(q) || (u.username?.toLowerCase().includes(q) ?? false);
      });
    }
    // A hidden member list shows a non-admin only the admins; a visible one at most the cap.
    if (c.hiddenMembers && !isAdmin) list = list.filter((id) => c.admins.has(id));
    else if (!isAdmin) list = list.slice(0, this.participantsCap);
    const page = list.slice(r.offset, r.offset + Math.min(r.limit, 200));
    const date = this.#date();
    const participants = page.map((id) =>
      c.admins.has(id)
        ? new Api.ChannelParticipantAdmin({
            userId: big(id),
            promotedBy: big(c.promoterId),
            date,
            adminRights: new Api.ChatAdminRights({ banUsers: true }),
          })
        : new Api.ChannelParticipant({ userId: big(id), date }),
    );
    return new Api.channels.ChannelParticipants({
      count: c.hiddenMembers && !isAdmin ? list.length : c.members.length,
      participants,
      chats: [],
      // Telegram attaches the users a page mentions (the promoter too), not only the participants.
      users: [...page, c.promoterId].map((id) => this.#userFor(account, id)),
    });
  }

  #join(account: Account, c: ChannelRecord): Api.Updates {
    if (c.members.includes(account.userId)) throw new TelegramSays('USER_ALREADY_PARTICIPANT');
    if (c.approval) throw new TelegramSays('INVITE_REQUEST_SENT');
    c.members.push(account.userId);
    return new Api.Updates({
      updates: [],
      users: [],
      chats: [this.#channelFor(account, c)],
      date: this.#date(),
      seq: 0,
    });
  }

  #invited(hash: string): ChannelRecord | BasicGroupRecord {
    const found =
      [...this.#channels.values()].find((c) => c.inviteHash === hash) ??
      [...this.#chats.values()].find((g) => g.inviteHash === hash);
    if (!found) throw new TelegramSays('INVITE_HASH_INVALID');
    if ('inviteExpired' in found && found.inviteExpired) throw new TelegramSays('INVITE_HASH_EXPIRED');
    return found;
  }

  #checkInvite(account: Account, hash: string): Api.TypeChatInvite {
    const target = this.#invited(hash);
    if (target.members.includes(account.userId)) {
      return new Api.ChatInviteAlready({
        chat: 'promoterId' in target ? this.#channelFor(account, target) : this.#chatFor(target),
      });
    }
    const channel = 'promoterId' in target;
    return new Api.ChatInvite({
      title: target.title,
      photo: new Api.PhotoEmpty({ id: big(0) }),
      participantsCount: target.members.length,
      color: 0,
      ...(channel ? { channel: true, megagroup: !target.broadcast, broadcast: target.broadcast } : {}),
      ...(channel && target.approval ? { requestNeeded: true } : {}),
    });
  }

  #importInvite(account: Account, hash: string): Api.Updates {
    const target = this.#invited(hash);
    if ('promoterId' in target) return this.#join(account, target);
    if (target.members.includes(account.userId)) throw new TelegramSays('USER_ALREADY_PARTICIPANT');
    target.members.push(account.userId);
    return new Api.Updates({
      updates: [],
      users: [],
      chats: [this.#chatFor(target)],
      date: this.#date(),
      seq: 0,
    });
  }

  #history(account: Account, r: Api.messages.GetHistory): Api.messages.TypeMessages {
    const target = this.#target(account, r.peer);
    let all: StoredMessage[];
    if (target.kind === 'channel') all = target.channel.messages;
    else if (target.kind === 'chat') all = account.chatHistory.get(target.group.id) ?? [];
    else all = [];
    // Telegram's paging: newest first, below offsetId, skipping addOffset, within (minId, maxId).
    const newestFirst = [...all]
      .filter((m) => (r.offsetId > 0 ? m.id < r.offsetId : true))
      .filter((m) => m.id > r.minId && (r.maxId > 0 ? m.id < r.maxId : true))
      .sort((a, b) => b.id - a.id);
    const page = newestFirst.slice(Math.max(0, r.addOffset), Math.max(0, r.addOffset) + r.limit);
    if (target.kind === 'channel') {
      return new Api.messages.ChannelMessages({
        pts: target.channel.pts,
        count: all.length,
        messages: page.map((m) => this.#channelMessage(target.channel, m)),
        topics: [],
        chats: [this.#channelFor(account, target.channel)],
        users: [],
      });
    }
    if (target.kind === 'chat') {
      return new Api.messages.MessagesSlice({
        count: all.length,
        messages: page.map((m) => this.#chatMessage(target.group, m)),
        chats: [this.#chatFor(target.group)],
        users: [],
      });
    }
    return new Api.messages.Messages({ messages: [], chats: [], users: [] });
  }

  #channelDifference(
    account: Account,
    r: Api.updates.GetChannelDifference,
  ): Api.updates.TypeChannelDifference {
    const c = this.#inputChannel(account, r.channel);
    if (!c.members.includes(account.userId) && c.username === undefined)
      throw new TelegramSays('CHANNEL_PRIVATE');
    const missed = c.messages.filter((m) => m.pts > r.pts);
    if (missed.length === 0) return new Api.updates.ChannelDifferenceEmpty({ final: true, pts: c.pts });
    const batch = missed.slice(0, Math.max(1, r.limit));
    const final = batch.length === missed.length;
    return new Api.updates.ChannelDifference({
      final,
      pts: final ? c.pts : batch.at(-1)!.pts,
      newMessages: batch.map((m) => this.#channelMessage(c, m)),
      otherUpdates: [],
      chats: [this.#channelFor(account, c)],
      users: [],
    });
  }

  // ── peers and hashes ─────────────────────────────────────────────────────────────────────

  /** Where a request is aimed; fails as Telegram does when the account cannot address it. */
  #target(
    account: Account,
    peer: unknown,
  ):
    | { kind: 'user'; key: string; userId: number }
    | { kind: 'channel'; key: string; channel: ChannelRecord }
    | { kind: 'chat'; key: string; group: BasicGroupRecord } {
    if (peer instanceof Api.InputPeerSelf)
      return { kind: 'user', key: `user:${account.userId}`, userId: account.userId };
    if (peer instanceof Api.InputPeerUser) {
      const id = Number(peer.userId.toString());
      if (!this.#users.has(id) || !peer.accessHash.equals(accessHashFor(account.name, 'user', id)))
        throw new TelegramSays('PEER_ID_INVALID');
      return { kind: 'user', key: `user:${id}`, userId: id };
    }
    if (peer instanceof Api.InputPeerChannel) {
      const channel = this.#inputChannel(account, peer);
      if (!channel.members.includes(account.userId)) throw new TelegramSays('CHANNEL_PRIVATE');
      if (channel.broadcast && !channel.admins.has(account.userId))
        throw new TelegramSays('CHAT_WRITE_FORBIDDEN');
      return { kind: 'channel', key: `channel:${channel.id}`, channel };
    }
    if (peer instanceof Api.InputPeerChat) {
      const id = Number(peer.chatId.toString());
      const group = this.#chats.get(id);
      if (!group?.members.includes(account.userId)) throw new TelegramSays('PEER_ID_INVALID');
      return { kind: 'chat', key: `chat:${id}`, group };
    }
    throw new TelegramSays('PEER_ID_INVALID');
  }

  #inputChannel(account: Account, input: unknown): ChannelRecord {
    if (!(input instanceof Api.InputChannel || input instanceof Api.InputPeerChannel))
      throw new TelegramSays('CHANNEL_INVALID');
    const id = Number(input.channelId.toString());
    const channel = this.#channels.get(id);
    if (!channel || !input.accessHash.equals(accessHashFor(account.name, 'channel', id)))
      throw new TelegramSays('CHANNEL_INVALID');
    return channel;
  }

  /** A user as this account sees it: with the hash issued to this account. */
  #userFor(account: Account, id: number): Api.User {
    const u = this.#userRecord(id);
    return new Api.User({
      id: big(id),
      accessHash: accessHashFor(account.name, 'user', id),
      firstName: u.firstName,
      ...(u.username ? { username: u.username } : {}),
      // Telegram shows a phone number only to contacts (and to the owner).
      ...(u.phone && (account.contacts.has(id) || id === account.userId) ? { phone: u.phone } : {}),
      ...(id === account.userId ? { self: true } : {}),
      ...(account.contacts.has(id) ? { contact: true } : {}),
    });
  }

  #channelFor(account: Account, c: ChannelRecord): Api.Channel {
    return new Api.Channel({
      id: big(c.id),
      accessHash: accessHashFor(account.name, 'channel', c.id),
      title: c.title,
      photo: new Api.ChatPhotoEmpty(),
      date: 0,
      participantsCount: c.members.length,
      ...(c.broadcast ? { broadcast: true } : { megagroup: true }),
      ...(c.username ? { username: c.username } : {}),
      ...(c.members.includes(account.userId) ? {} : { left: true }),
      ...(c.approval ? { joinRequest: true } : {}),
    });
  }

  #chatFor(g: BasicGroupRecord): Api.Chat {
    return new Api.Chat({
      id: big(g.id),
      title: g.title,
      photo: new Api.ChatPhotoEmpty(),
      participantsCount: g.members.length,
      date: 0,
      version: 1,
    });
  }

  #channelMessage(c: ChannelRecord, m: StoredMessage): Api.Message | Api.MessageService {
    if (m.action)
      return new Api.MessageService({
        id: m.id,
        peerId: new Api.PeerChannel({ channelId: big(c.id) }),
        date: m.date,
        action: m.action,
      });
    return new Api.Message({
      id: m.id,
      peerId: new Api.PeerChannel({ channelId: big(c.id) }),
      ...(m.fromId !== undefined ? { fromId: new Api.PeerUser({ userId: big(m.fromId) }) } : {}),
      date: m.date,
      message: m.text,
      ...(m.media ? { media: m.media } : {}),
    });
  }

  #chatMessage(g: BasicGroupRecord, m: StoredMessage): Api.Message | Api.MessageService {
    if (m.action)
      return new Api.MessageService({
        id: m.id,
        peerId: new Api.PeerChat({ chatId: big(g.id) }),
        date: m.date,
        action: m.action,
      });
    return new Api.Message({
      id: m.id,
      peerId: new Api.PeerChat({ chatId: big(g.id) }),
      ...(m.fromId !== undefined ? { fromId: new Api.PeerUser({ userId: big(m.fromId) }) } : {}),
      date: m.date,
      message: m.text,
      ...(m.media ? { media: m.media } : {}),
    });
  }

  #postToChannel(
    c: ChannelRecord,
    text: string,
    fromId: number | undefined,
    date: number,
    media?: Api.TypeMessageMedia,
  ): StoredMessage {
    c.pts++;
    const stored: StoredMessage = {
      id: (c.messages.at(-1)?.id ?? 0) + 1,
      text,
      fromId,
      date,
      pts: c.pts,
      media,
    };
    c.messages.push(stored);
    return stored;
  }

  /** Each member account gets its own copy of a basic-group message, with its own id. */
  #postToChatCopy(
    account: Account,
    g: BasicGroupRecord,
    text: string,
    fromId: number | undefined,
    date: number,
    media?: Api.TypeMessageMedia,
  ): StoredMessage {
    const id = account.nextMessageId++;
    const stored: StoredMessage = { id, text, fromId, date, pts: id, media };
    const list = account.chatHistory.get(g.id) ?? [];
    account.chatHistory.set(g.id, list);
    list.push(stored);
    return stored;
  }

  #chatService(account: Account, g: BasicGroupRecord, action: Api.TypeMessageAction): void {
    const id = account.nextMessageId++;
    const list = account.chatHistory.get(g.id) ?? [];
    account.chatHistory.set(g.id, list);
    list.push({ id, text: '', fromId: undefined, date: this.#date(), pts: id, action });
  }

  #updates(
    account: Account,
    updates: Api.TypeUpdate[],
    fromId: number | undefined,
    channels: ChannelRecord[] = [],
    groups: BasicGroupRecord[] = [],
  ): Api.Updates {
    return new Api.Updates({
      updates,
      users: fromId === undefined ? [] : [this.#userFor(account, fromId)],
      chats: [...channels.map((c) => this.#channelFor(account, c)), ...groups.map((g) => this.#chatFor(g))],
      date: this.#date(),
      seq: 0,
    });
  }

  /** Through GramJS's update path, as its sender does with an update from the wire. */
  #push(account: Account, updates: Api.TypeUpdates): void {
    for (const client of account.clients) {
      if (client.connected !== true) continue;
      this.#dialectOf(client).handleUpdate(client, updates);
    }
  }

  // ── registry ─────────────────────────────────────────────────────────────────────────────

  readonly #dialects = new WeakMap<object, Dialect>();

  #dialectOf(client: object): Dialect {
    return this.#dialects.get(client) ?? gramJs;
  }

  #account(name: string): Account {
    let account = this.#accounts.get(name);
    if (account === undefined) {
      const self = this.addUser({ firstName: name });
      account = {
        name,
        userId: self.id,
        contacts: new Set(),
        randomIds: new Set(),
        dialogsLoaded: false,
        uploads: new Map(),
        nextMessageId: 1,
        chatHistory: new Map(),
        dead: undefined,
        clients: [],
        senders: [],
      };
      this.#accounts.set(name, account);
    }
    return account;
  }

  #memberId(ref: MemberRef): number {
    if (typeof ref === 'number') {
      if (!this.#users.has(ref)) throw new Error(`scripted Telegram: no user ${ref}`);
      return ref;
    }
    return this.user(ref)?.id ?? this.#account(ref).userId;
  }

  #userRecord(id: number): UserRecord {
    const u = this.#users.get(id);
    if (!u) throw new Error(`scripted Telegram: no user ${id}`);
    return u;
  }

  #userByPhone(phone: string): UserRecord | undefined {
    const digits = phone.replace(/\D/g, '');
    for (const u of this.#users.values()) if (u.phone === digits) return u;
    return undefined;
  }

  #date(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

/** A hash that depends on the account and the peer, as Telegram's does. */
export function accessHashFor(account: string, kind: 'user' | 'channel', id: number): BigInteger {
  let h = 0xcbf29ce484222325n;
  for (const ch of `${account}\u0000${kind}\u0000${id}`) {
    h ^= BigInt(ch.codePointAt(0)!);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return returnBigInt((h & 0x7fffffffffffffffn).toString());
}

function big(n: number): BigInteger {
  return returnBigInt(n);
}

function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** The query inside GramJS's connection wrappers (InvokeWithLayer → InitConnection → query). */
function unwrap(request: Api.AnyRequest): Api.AnyRequest {
  let r: unknown = request;
  while (r instanceof Api.InvokeWithLayer || r instanceof Api.InitConnection) r = r.query;
  return r as Api.AnyRequest;
}

function peerKeyOf(request: Api.AnyRequest): string | undefined {
  const peer =
    'peer' in request
      ? (request as { peer: unknown }).peer
      : 'channel' in request
        ? (request as { channel: unknown }).channel
        : undefined;
  if (peer instanceof Api.InputPeerUser) return `user:${peer.userId.toString()}`;
  if (peer instanceof Api.InputPeerChannel || peer instanceof Api.InputChannel)
    return `channel:${peer.channelId.toString()}`;
  if (peer instanceof Api.InputPeerChat) return `chat:${peer.chatId.toString()}`;
  return undefined;
}

function dialog(peer: Api.TypePeer, topMessage: number, notifySettings: Api.PeerNotifySettings): Api.Dialog {
  return new Api.Dialog({
    peer,
    topMessage,
    readInboxMaxId: topMessage,
    readOutboxMaxId: topMessage,
    unreadCount: 0,
    unreadMentionsCount: 0,
    unreadReactionsCount: 0,
    notifySettings,
  });
}

/** help.getConfig: what `connect()` asks for, and `getDC` reads the data centres from. */
function config(date: number): Api.Config {
  return new Api.Config({
    date,
    expires: date + 3600,
    testMode: false,
    thisDc: 4,
    dcOptions: [1, 2, 3, 4, 5].map(
      (id) => new Api.DcOption({ id, ipAddress: `149.154.167.${id}`, port: 443 }),
    ),
    dcTxtDomainName: 'apv3.stel.com',
    chatSizeMax: 200,
    megagroupSizeMax: 200_000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210_000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30_000,
    onlineCloudTimeoutMs: 300_000,
    notifyCloudDelayMs: 30_000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60_000,
    pushChatLimit: 2,
    editTimeLimit: 172_800,
    revokeTimeLimit: 2_147_483_647,
    revokePmTimeLimit: 2_147_483_647,
    ratingEDecay: 2_419_200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604_800,
    callReceiveTimeoutMs: 20_000,
    callRingTimeoutMs: 90_000,
    callConnectTimeoutMs: 30_000,
    callPacketTimeoutMs: 10_000,
    meUrlPrefix: 'https://t.me/',
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: 4,
  });
}
