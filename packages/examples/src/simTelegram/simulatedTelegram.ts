import type { Clock, Random } from '@switchyard/core';
import { createTelegramClient } from '@switchyard/telegram-adapter';
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { Audience } from './audience.js';
import type { Delivery, DeliveryLog } from './deliveryLog.js';
import type { SessionProfile } from './profiles.js';
import { rpcError } from './rpcError.js';

/** A fault the simulated Telegram answered with, for the report. */
export interface FaultRecord {
  readonly session: string;
  readonly at: number;
  readonly code: string;
}

export interface SimulatedTelegramOptions {
  readonly clock: Clock;
  /** One stream of randomness per session, so a session's behaviour does not depend on the others. */
  readonly random: (session: string) => Random;
  readonly profiles: readonly SessionProfile[];
  /**
   * Who exists, who is unknown and who refuses strangers. With the whole audience, its users get
   * ids from their place in `recipients` (the same in every process) and nobody else exists;
   * with only `unknown` and `privacyRestricted`, everyone else exists.
   */
  readonly audience: Audience | Pick<Audience, 'unknown' | 'privacyRestricted'>;
  /**
   * Where Telegram keeps what it delivered, across processes. What the log already holds is
   * remembered: each account's randomIds (a repeat is `RANDOM_ID_DUPLICATE`), its accepted
   * sends (the flood window, the `PEER_FLOOD` flag). Each new delivery is appended to it.
   */
  readonly deliveryLog?: DeliveryLog;
  /**
   * What it remembers. `'everything'` (the default): every delivery and fault, and every user
   * it resolved, for reports and checks. `'counts'`: the counts only (`delivered`, `acceptedBy`),
   * user ids derived from the username, and each account's last `RECENT_RANDOM_IDS` randomIds,
   * so that a run of millions of recipients takes no memory per recipient here.
   */
  readonly keep?: 'everything' | 'counts';
  /** Called with each error as it is answered (a process that may be killed reports them as they come). */
  readonly onFault?: (fault: FaultRecord) => void;
}

const WINDOW_MS = 60_000;

/**
 * With `keep: 'counts'`, the randomIds an account recognises as repeats: its last sends only
 * (a retry with the same randomId comes within seconds, not after thousands of other sends).
 */
export const RECENT_RANDOM_IDS = 4096;

/** A set of strings that holds at least the last `limit` added (two generations, swapped). */
class RecentSet {
  #current = new Set<string>();
  #previous = new Set<string>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  has(value: string): boolean {
    return this.#current.has(value) || this.#previous.has(value);
  }

  add(value: string): void {
    if (this.#current.size >= this.#limit) {
      this.#previous = this.#current;
      this.#current = new Set();
    }
    this.#current.add(value);
  }
}

/** FNV-1a over 52 bits: a user id from a username, the same for every spelling's lower case. */
function userIdOf(username: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < username.length; i++)
    h = ((h ^ BigInt(username.charCodeAt(i))) * 0x100000001b3n) & 0xfffffffffffffn;
  return 100_000n + h;
}

/** Per-account state Telegram keeps. */
interface Account {
  readonly profile: SessionProfile;
  readonly random: Random;
  /** Clock times of accepted sends in the last minute (the flood window). */
  readonly recent: number[];
  readonly randomIds: Set<string> | RecentSet;
  accepted: number;
  floodUntil: number;
  /** Photos and documents this account made from its uploads, by id. */
  readonly media: Map<string, Api.Photo | Api.Document>;
}

/**
 * Telegram, simulated behind real GramJS `TelegramClient`s that never connect: only
 * `invoke`, `getSender` (uploads), `connect` and `disconnect` are replaced, so GramJS builds
 * the genuine `contacts.ResolveUsername`, `messages.SendMessage` / `SendMedia` and
 * `upload.SaveFilePart` requests production would send, and every error is the one GramJS
 * builds from Telegram's answer (`RPCMessageToError`).
 */
export class SimulatedTelegram {
  /** Every message accepted by this instance (not those remembered from the delivery log). */
  readonly deliveries: Delivery[] = [];
  /** The deliveries the delivery log held when this instance started. */
  readonly remembered: readonly Delivery[];
  readonly faults: FaultRecord[] = [];
  /** Messages accepted by this instance, across every session. */
  delivered = 0;
  readonly #clock: Clock;
  readonly #onFault: ((fault: FaultRecord) => void) | undefined;
  readonly #audience: SimulatedTelegramOptions['audience'];
  readonly #log: DeliveryLog | undefined;
  readonly #everything: boolean;
  /** Whether only the users of the audience's list exist (their ids set up front). */
  readonly #listed: boolean;
  readonly #accounts = new Map<string, Account>();
  /** Telegram's users: username → id, and back. */
  readonly #users = new Map<string, bigint>();
  readonly #names = new Map<string, string>();
  /** With `keep: 'counts'`: the ids of the privacy-restricted users resolved so far. */
  readonly #restrictedIds = new Set<string>();

  constructor(options: SimulatedTelegramOptions) {
    this.#clock = options.clock;
    this.#onFault = options.onFault;
    this.#audience = options.audience;
    this.#log = options.deliveryLog;
    this.#everything = options.keep !== 'counts';
    const audience = options.audience;
    this.#listed = this.#everything && 'recipients' in audience;
    // An id per existing user, from the user's place in the audience, so the same person has the
    // same id in every process that simulates this audience.
    if (this.#listed && 'recipients' in audience)
      audience.recipients.forEach((name, i) => {
        if (!audience.deliverable.has(name) && !audience.privacyRestricted.has(name)) return;
        const id = BigInt(100_000 + i);
        this.#users.set(name, id);
        this.#names.set(id.toString(), name);
      });
    for (const profile of options.profiles) {
      this.#accounts.set(profile.name, {
        profile,
        random: options.random(profile.name),
        recent: [],
        randomIds: this.#everything ? new Set() : new RecentSet(RECENT_RANDOM_IDS),
        accepted: 0,
        floodUntil: 0,
        media: new Map(),
      });
    }
    this.remembered = this.#log?.read() ?? [];
    for (const d of this.remembered) {
      const account = this.#accounts.get(d.session);
      if (account === undefined) continue;
      account.randomIds.add(d.randomId);
      account.recent.push(d.at);
      account.accepted++;
    }
  }

  /** Who Telegram delivered to, by `user:ID` peer: the username it knows them by. */
  userOf(peer: string): string | undefined {
    return this.#names.get(peer.replace(/^user:/, ''));
  }

  get profiles(): SessionProfile[] {
    return [...this.#accounts.values()].map((a) => a.profile);
  }

  /** A real TelegramClient for session `name` whose requests this simulation answers. */
  client(name: string): TelegramClient {
    const account = this.#accounts.get(name);
    if (account === undefined) throw new Error(`no simulated session named ${name}`);
    // A syntactically valid but unused session string: the client must never reach a network.
    const client = createTelegramClient('', { apiId: 1, apiHash: '0123456789abcdef0123456789abcdef' });
    let connected: boolean | undefined;
    Object.defineProperty(client, 'connected', { get: () => connected, configurable: true });
    Object.assign(client, {
      invoke: (request: Api.AnyRequest) => this.#invoke(account, request),
      getSender: async () => ({
        send: async (request: Api.AnyRequest) => {
          await this.#latency(account);
          this.#checkAuthorised(account, request);
          return true;
        },
      }),
      connect: async () => {
        await this.#latency(account);
        connected = true;
        return true;
      },
      disconnect: async () => {
        connected = false;
      },
    });
    return client;
  }

  /** Accepted sends per session so far. */
  acceptedBy(name: string): number {
    return this.#accounts.get(name)?.accepted ?? 0;
  }

  async #invoke(account: Account, request: Api.AnyRequest): Promise<unknown> {
    await this.#latency(account);
    this.#checkAuthorised(account, request);
    if (request instanceof Api.contacts.ResolveUsername) return this.#resolve(request);
    if (request instanceof Api.messages.SendMessage || request instanceof Api.messages.SendMedia)
      return this.#send(account, request);
    // Upload parts, as the adapter sends them through invoke: kept by Telegram, answered true.
    if (request instanceof Api.upload.SaveFilePart || request instanceof Api.upload.SaveBigFilePart)
      return true;
    throw new Error(`simulated Telegram: ${request.className} is not simulated`);
  }

  #checkAuthorised(account: Account, request: Api.AnyRequest): void {
    const { revokeAt } = account.profile;
    if (revokeAt !== undefined && this.#clock.now() >= revokeAt)
      this.#fail(account, 'AUTH_KEY_UNREGISTERED', request);
  }

  #resolve(request: Api.contacts.ResolveUsername): Api.contacts.ResolvedPeer {
    const id = this.#userIdOf(request.username.toLowerCase());
    if (id === undefined) throw rpcError('USERNAME_NOT_OCCUPIED', request);
    const userId = returnBigInt(id.toString());
    return new Api.contacts.ResolvedPeer({
      peer: new Api.PeerUser({ userId }),
      chats: [],
      users: [new Api.User({ id: userId, accessHash: returnBigInt(42), username: request.username })],
    });
  }

  /** The id of user `username` (lower case), the same at every resolve; undefined if nobody has it. */
  #userIdOf(username: string): bigint | undefined {
    if (this.#audience.unknown.has(username)) return undefined;
    if (!this.#everything) {
      const id = userIdOf(username);
      if (this.#audience.privacyRestricted.has(username)) this.#restrictedIds.add(id.toString());
      return id;
    }
    let id = this.#users.get(username);
    if (id === undefined && !this.#listed) {
      id = BigInt(100_000 + this.#users.size);
      this.#users.set(username, id);
      this.#names.set(id.toString(), username);
    }
    return id;
  }

  #send(account: Account, request: Api.messages.SendMessage | Api.messages.SendMedia): Api.Updates {
    const now = this.#clock.now();
    const { profile, random } = account;
    // Telegram recognises a repeated randomId before anything else: the first one went out.
    const randomId = request.randomId?.toString() ?? '';
    if (account.randomIds.has(randomId)) this.#fail(account, 'RANDOM_ID_DUPLICATE', request);
    if (random() < profile.transientRate) this.#fail(account, 'RPC_CALL_FAIL', request);
    if (profile.peerFloodAfter !== undefined && account.accepted >= profile.peerFloodAfter)
      this.#fail(account, 'PEER_FLOOD', request);
    while (account.recent.length > 0 && account.recent[0]! <= now - WINDOW_MS) account.recent.shift();
    if (now < account.floodUntil || account.recent.length >= profile.sendsPerMinute) {
      // Telegram names how long to wait; here it is until the window frees, kept within 5–60 s.
      const windowFrees = account.recent.length > 0 ? account.recent[0]! + WINDOW_MS - now : 0;
      const wait = Math.max(account.floodUntil - now, windowFrees);
      const seconds = Math.min(60, Math.max(5, Math.ceil(wait / 1000) + Math.floor(random() * 10)));
      account.floodUntil = now + seconds * 1000;
      this.#fail(account, `FLOOD_WAIT_${seconds}`, request);
    }
    const peer = this.#peerOf(request.peer);
    if (this.#everything) {
      if (this.#audience.privacyRestricted.has(this.userOf(peer) ?? peer))
        this.#fail(account, 'USER_PRIVACY_RESTRICTED', request);
    } else if (this.#restrictedIds.has(peer.replace(/^user:/, '')))
      this.#fail(account, 'USER_PRIVACY_RESTRICTED', request);
    account.randomIds.add(randomId);
    account.recent.push(now);
    account.accepted++;
    this.delivered++;
    if (this.#everything) {
      const delivery: Delivery = {
        session: profile.name,
        peer,
        user: this.userOf(peer) ?? peer,
        randomId,
        kind: request instanceof Api.messages.SendMedia ? 'media' : 'text',
        at: now,
      };
      this.deliveries.push(delivery);
      this.#log?.append(delivery);
    }
    // Delivered, but the answer never arrives: the sender cannot know whether it went out.
    if (random() < profile.lostAnswerRate) this.#fail(account, 'TIMEOUT', request);
    const date = Math.floor(now / 1000);
    if (!(request instanceof Api.messages.SendMedia))
      return new Api.Updates({ updates: [], users: [], chats: [], date, seq: 0 });
    // The sent message, with the photo or document Telegram made of the upload: later sends of
    // this session may carry it by id instead of uploading again.
    const message = new Api.Message({
      id: account.accepted,
      peerId: new Api.PeerUser({ userId: returnBigInt(0) }),
      date,
      message: request.message,
      media: this.#mediaOf(account, request.media),
    });
    return new Api.Updates({
      updates: [new Api.UpdateNewMessage({ message, pts: account.accepted, ptsCount: 1 })],
      users: [],
      chats: [],
      date,
      seq: 0,
    });
  }

  #mediaOf(account: Account, input: Api.TypeInputMedia): Api.TypeMessageMedia {
    const made = account.media;
    const next = () => returnBigInt(`${made.size + 1}`);
    if (input instanceof Api.InputMediaUploadedPhoto) {
      const photo = new Api.Photo({
        id: next(),
        accessHash: returnBigInt(7),
        fileReference: Buffer.from([1]),
        date: 0,
        sizes: [new Api.PhotoSize({ type: 'x', w: 800, h: 600, size: 1000 })],
        dcId: 2,
      });
      made.set(photo.id.toString(), photo);
      return new Api.MessageMediaPhoto({ photo });
    }
    if (input instanceof Api.InputMediaUploadedDocument) {
      const document = new Api.Document({
        id: next(),
        accessHash: returnBigInt(7),
        fileReference: Buffer.from([1]),
        date: 0,
        mimeType: input.mimeType,
        size: returnBigInt(1000),
        dcId: 2,
        attributes: input.attributes,
      });
      made.set(document.id.toString(), document);
      return new Api.MessageMediaDocument({ document });
    }
    if (input instanceof Api.InputMediaPhoto || input instanceof Api.InputMediaDocument) {
      const stored = made.get(
        input.id instanceof Api.InputPhoto || input.id instanceof Api.InputDocument
          ? input.id.id.toString()
          : '',
      );
      if (stored instanceof Api.Photo) return new Api.MessageMediaPhoto({ photo: stored });
      if (stored instanceof Api.Document) return new Api.MessageMediaDocument({ document: stored });
    }
    return new Api.MessageMediaEmpty();
  }

  #peerOf(peer: unknown): string {
    if (peer instanceof Api.InputPeerUser) return `user:${peer.userId}`;
    return String((peer as { className?: string }).className ?? peer);
  }

  #fail(account: Account, code: string, request: Api.AnyRequest): never {
    const fault = { session: account.profile.name, at: this.#clock.now(), code };
    this.faults.push(fault);
    this.#onFault?.(fault);
    throw rpcError(code, request);
  }

  /** Wait one request's round trip: log-normal around the session's median. */
  #latency(account: Account): Promise<void> {
    const { medianLatencyMs, latencySigma } = account.profile;
    const r = account.random;
    const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const ms = Math.min(30_000, Math.round(medianLatencyMs * Math.exp(latencySigma * normal)));
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms));
  }
}
