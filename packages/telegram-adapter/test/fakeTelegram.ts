// Contract-level test double (TELEGRAM.md, "Testing offline"): real GramJS TelegramClient
// objects that never connect. Only `invoke`, `getSender`, `connect` and `disconnect` are
// replaced, so GramJS itself builds the entity lookups and upload requests we assert on.
import { Api, type TelegramClient } from 'telegram';
import { RPCMessageToError } from 'telegram/errors/index.js';
import { NewMessage } from 'telegram/events/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import { createTelegramClient } from '../src/createClient.js';

export type BigInteger = ReturnType<typeof returnBigInt>;

/** One message Telegram accepted. */
export interface Delivery {
  readonly session: string;
  readonly peer: string;
  readonly randomId: string;
  readonly request: Api.messages.SendMessage | Api.messages.SendMedia;
}

export type Fault =
  /** Telegram answers with this error (e.g. 'FLOOD_WAIT_30', 'PEER_FLOOD'): nothing was sent. */
  | { readonly rpc: string; readonly code?: number; readonly after?: false }
  /** The message is delivered, then the answer is lost with this error (e.g. 'TIMEOUT'). */
  | { readonly rpc: string; readonly code?: number; readonly after: true }
  /** The request never gets an answer (GramJS would wait forever). */
  | { readonly hang: true; readonly after?: boolean };

export interface FaultContext {
  readonly session: string;
  readonly request: Api.AnyRequest;
  /** The peer id for sends, as a string. */
  readonly peer: string | undefined;
  /** 1 for the first request of this kind from this session to this peer. */
  readonly n: number;
}

export interface Group {
  readonly id: number;
  readonly username?: string;
  readonly inviteHash?: string;
  readonly members: number;
  /** The invite needs an admin's approval. */
  readonly approval?: boolean;
}

/** Telegram, as far as the tests need it: users, groups, per-account randomIds, fault scripts. */
export class FakeTelegram {
  readonly deliveries: Delivery[] = [];
  readonly requests: { session: string; request: Api.AnyRequest }[] = [];
  readonly uploads: { session: string; request: Api.AnyRequest }[] = [];
  readonly joined = new Map<string, Set<number>>();
  fault: (ctx: FaultContext) => Fault | undefined = () => undefined;
  readonly #randomIds = new Map<string, Set<string>>();
  readonly #counts = new Map<string, number>();
  readonly #users = new Map<string, number>();
  readonly #groups: Group[];
  /** Called for every request before it is answered; may return a promise to model latency. */
  onRequest: (session: string, request: Api.AnyRequest) => void | Promise<void> = () => {};
  readonly clients = new Map<string, TelegramClient>();
  /** Sessions whose `connect()` fails (the network is down for them). */
  readonly offline = new Set<string>();
  readonly connects: string[] = [];
  readonly #history = new Map<number, Api.Message[]>();

  constructor(groups: readonly Group[] = []) {
    this.#groups = [...groups];
  }

  userId(username: string): number {
    const key = username.toLowerCase();
    let id = this.#users.get(key);
    if (id === undefined) {
      id = 1000 + this.#users.size;
      this.#users.set(key, id);
    }
    return id;
  }

  deliveriesTo(peer: string): Delivery[] {
    return this.deliveries.filter((d) => d.peer === peer);
  }

  /** A real TelegramClient for session `name` that talks to this fake. */
  client(name: string, secrets: { sessionString?: string; apiHash?: string } = {}): TelegramClient {
    const client = createTelegramClient(secrets.sessionString ?? '', {
      apiId: 1,
      apiHash: secrets.apiHash ?? '0123456789abcdef0123456789abcdef',
    });
    Object.assign(client, {
      invoke: (request: Api.AnyRequest) => this.#invoke(name, request),
      getSender: async () => ({ send: async (request: Api.AnyRequest) => this.#upload(name, request) }),
      connect: async () => {
        this.connects.push(name);
        if (this.offline.has(name))
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return true;
      },
      disconnect: async () => undefined,
    });
    this.clients.set(name, client);
    return client;
  }

  #upload(session: string, request: Api.AnyRequest): boolean {
    this.uploads.push({ session, request });
    return true;
  }

  async #invoke(session: string, request: Api.AnyRequest): Promise<unknown> {
    // Uploads through invoke (the adapter's own uploader) are kept with those through getSender.
    if (request instanceof Api.upload.SaveFilePart || request instanceof Api.upload.SaveBigFilePart)
      return this.#upload(session, request);
    this.requests.push({ session, request });
    await this.onRequest(session, request);
    const peer = peerKey(request);
    const countKey = `${session}\u0000${request.className}\u0000${peer ?? ''}`;
    const n = (this.#counts.get(countKey) ?? 0) + 1;
    this.#counts.set(countKey, n);
    const fault = this.fault({ session, request, peer, n });
    if (fault && !fault.after) {
      if ('hang' in fault) return new Promise(() => {});
      throw rpcError(fault.rpc, fault.code, request);
    }
    const result = this.#answer(session, request);
    if (fault?.after) {
      if ('hang' in fault) return new Promise(() => {});
      throw rpcError(fault.rpc, fault.code, request);
    }
    return result;
  }

  #answer(session: string, request: Api.AnyRequest): unknown {
    if (request instanceof Api.contacts.ResolveUsername) {
      const group = this.#groups.find((g) => g.username?.toLowerCase() === request.username.toLowerCase());
      if (group) {
        return new Api.contacts.ResolvedPeer({
          peer: new Api.PeerChannel({ channelId: returnBigInt(group.id) }),
          chats: [channel(group)],
          users: [],
        });
      }
      const id = returnBigInt(this.userId(request.username));
      return new Api.contacts.ResolvedPeer({
        peer: new Api.PeerUser({ userId: id }),
        chats: [],
        users: [user(id, request.username)],
      });
    }
    if (request instanceof Api.contacts.GetContacts) {
      return new Api.contacts.Contacts({ contacts: [], savedCount: 0, users: [] });
    }
    if (request instanceof Api.users.GetUsers) {
      return request.id.map((u) =>
        u instanceof Api.InputUser ? user(u.userId) : new Api.UserEmpty({ id: returnBigInt(0) }),
      );
    }
    if (request instanceof Api.messages.SendMessage || request instanceof Api.messages.SendMedia) {
      const account = this.#randomIds.get(session) ?? new Set<string>();
      this.#randomIds.set(session, account);
      const randomId = String(request.randomId);
      if (account.has(randomId)) throw rpcError('RANDOM_ID_DUPLICATE', 400, request);
      account.add(randomId);
      this.deliveries.push({ session, peer: peerKey(request) ?? '?', randomId, request });
      return new Api.Updates({ updates: [], users: [], chats: [], date: 0, seq: 0 });
    }
    if (request instanceof Api.channels.JoinChannel) {
      const id = Number((request.channel as Api.InputChannel).channelId.toString());
      return this.#join(session, id);
    }
    if (request instanceof Api.messages.ImportChatInvite) {
      const group = this.#groups.find((g) => g.inviteHash === request.hash);
      if (!group) throw rpcError('INVITE_HASH_INVALID', 400, request);
      if (group.approval) throw rpcError('INVITE_REQUEST_SENT', 400, request);
      return this.#join(session, group.id);
    }
    if (request instanceof Api.messages.CheckChatInvite) {
      const group = this.#groups.find((g) => g.inviteHash === request.hash);
      if (!group) throw rpcError('INVITE_HASH_INVALID', 400, request);
      return new Api.ChatInviteAlready({ chat: channel(group) });
    }
    if (request instanceof Api.channels.GetParticipants) {
      const id = Number((request.channel as Api.InputChannel).channelId.toString());
      const group = this.#groups.find((g) => g.id === id);
      if (!group) throw rpcError('CHANNEL_INVALID', 400, request);
      const from = request.offset;
      const to = Math.min(group.members, from + request.limit);
      const users = [];
      for (let i = from; i < to; i++)
        users.push(user(returnBigInt(group.id * 100_000 + i), `member${group.id}x${i}`));
      return new Api.channels.ChannelParticipants({
        count: group.members,
        participants: users.map((u) => new Api.ChannelParticipant({ userId: u.id, date: 0 })),
        chats: [],
        users,
      });
    }
    if (request instanceof Api.channels.GetFullChannel) {
      const id = Number((request.channel as Api.InputChannel).channelId.toString());
      const group = this.#groups.find((g) => g.id === id);
      if (!group) throw rpcError('CHANNEL_INVALID', 400, request);
      return new Api.messages.ChatFull({
        fullChat: new Api.ChannelFull({
          id: returnBigInt(group.id),
          about: '',
          participantsCount: group.members,
          canViewParticipants: true,
          readInboxMaxId: 0,
          readOutboxMaxId: 0,
          unreadCount: 0,
          chatPhoto: new Api.PhotoEmpty({ id: returnBigInt(0) }),
          notifySettings: new Api.PeerNotifySettings({}),
          botInfo: [],
          pts: 0,
        }),
        chats: [channel(group)],
        users: [],
      });
    }
    if (request instanceof Api.channels.GetChannels) {
      const ids = request.id.map((c) => Number((c as Api.InputChannel).channelId.toString()));
      return new Api.messages.Chats({ chats: this.#groups.filter((g) => ids.includes(g.id)).map(channel) });
    }
    if (request instanceof Api.messages.GetHistory) {
      const id = Number((request.peer as Api.InputPeerChannel).channelId.toString());
      const messages = (this.#history.get(id) ?? [])
        .filter((m) => m.id > request.minId)
        .sort((a, b) => b.id - a.id)
        .slice(0, request.limit);
      return new Api.messages.ChannelMessages({
        pts: 0,
        count: messages.length,
        messages,
        chats: [],
        users: [],
        topics: [],
      });
    }
    throw new Error(`fake Telegram: unexpected ${request.className}`);
  }

  /**
   * A new message in a group: stored in its history and pushed to the NewMessage handlers
   * of the sessions in `online` (default: every client).
   */
  post(groupId: number, text: string, online: readonly string[] = [...this.clients.keys()]): Api.Message {
    const list = this.#history.get(groupId) ?? [];
    this.#history.set(groupId, list);
    const message = new Api.Message({
      id: list.length + 1,
      message: text,
      date: list.length + 1,
      peerId: new Api.PeerChannel({ channelId: returnBigInt(groupId) }),
    });
    list.push(message);
    for (const name of online) {
      const client = this.clients.get(name) as unknown as {
        _eventBuilders: [unknown, (e: unknown) => void][];
      };
      for (const [builder, callback] of [...client._eventBuilders]) {
        if (!(builder instanceof NewMessage)) continue;
        const chats = (builder as unknown as { chats?: Iterable<string> }).chats ?? [];
        const watches = [...chats].includes(`-100${groupId}`);
        if (watches) callback({ message });
      }
    }
    return message;
  }

  #join(session: string, id: number): Api.Updates {
    const groups = this.joined.get(session) ?? new Set<number>();
    this.joined.set(session, groups);
    const group = this.#groups.find((g) => g.id === id);
    if (!group) throw rpcError('CHANNEL_INVALID', 400, new Api.channels.JoinChannel({}));
    if (groups.has(id)) throw rpcError('USER_ALREADY_PARTICIPANT', 400, new Api.channels.JoinChannel({}));
    groups.add(id);
    return new Api.Updates({ updates: [], users: [], chats: [channel(group)], date: 0, seq: 0 });
  }
}

export function rpcError(message: string, code: number | undefined, request: Api.AnyRequest): Error {
  const errorCode =
    code ??
    (message.startsWith('FLOOD') || message.startsWith('SLOWMODE') ? 420 : message === 'TIMEOUT' ? 500 : 400);
  return RPCMessageToError(new Api.RpcError({ errorCode, errorMessage: message }), request) as Error;
}

function user(id: BigInteger, username?: string): Api.User {
  return new Api.User({ id, accessHash: returnBigInt(42), ...(username ? { username } : {}) });
}

function channel(group: Group): Api.Channel {
  return new Api.Channel({
    id: returnBigInt(group.id),
    accessHash: returnBigInt(7),
    title: group.username ?? `group ${group.id}`,
    photo: new Api.ChatPhotoEmpty(),
    date: 0,
    megagroup: true,
    ...(group.username ? { username: group.username } : {}),
  });
}

function peerKey(request: Api.AnyRequest): string | undefined {
  if (request instanceof Api.messages.SendMessage || request instanceof Api.messages.SendMedia) {
    const peer = request.peer;
    if (peer instanceof Api.InputPeerUser) return `user:${peer.userId.toString()}`;
    if (peer instanceof Api.InputPeerChannel) return `channel:${peer.channelId.toString()}`;
    if (peer instanceof Api.InputPeerChat) return `chat:${peer.chatId.toString()}`;
    return String(peer);
  }
  return undefined;
}
