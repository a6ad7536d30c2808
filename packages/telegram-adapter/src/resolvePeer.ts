import { Api } from 'telegram';
import { RPCError } from 'telegram/errors/index.js';
import { generateRandomLong, returnBigInt } from 'telegram/Helpers.js';
import { getInputPeer } from 'telegram/Utils.js';
import type { TelegramClientLike } from './clientLike.js';
import { entityOf, type Recipient } from './recipient.js';
import { telegramErrorClassOf } from './telegramErrorClass.js';

/** Telegram's code for a phone number no account can be found by. */
export const PHONE_NOT_OCCUPIED = 'PHONE_NOT_OCCUPIED';

/**
 * Phone numbers each session has resolved, as the InputPeer that session may use. GramJS
 * finds a phone only among the session's contacts, by downloading the whole contact list
 * (`contacts.GetContacts`) on every call; here a number costs one `contacts.ResolvePhone` per
 * session, once. Access hashes are per account, so nothing is shared between sessions.
 */
export class PeerBook {
  readonly #bySession = new Map<string, Map<string, Api.TypeInputPeer>>();

  get(session: string, key: string): Api.TypeInputPeer | undefined {
    return this.#bySession.get(session)?.get(key);
  }

  set(session: string, key: string, peer: Api.TypeInputPeer): void {
    let peers = this.#bySession.get(session);
    if (peers === undefined) {
      peers = new Map();
      this.#bySession.set(session, peers);
    }
    peers.set(key, peer);
  }

  /** Forget a session that left the manager. */
  forget(session: string): void {
    this.#bySession.delete(session);
  }
}

/**
 * The InputPeer session `session` sends to `recipient` with. Usernames and ids go through
 * GramJS's `getInputEntity` (its per-client cache first, then `contacts.ResolveUsername` or
 * `users.GetUsers`); phone numbers through `contacts.ResolvePhone`, or `contacts.ImportContacts`
 * when the session cannot use ResolvePhone, cached in `book`.
 */
export async function resolvePeer(
  client: TelegramClientLike,
  session: string,
  recipient: Recipient,
  book: PeerBook,
): Promise<Api.TypeInputPeer> {
  if (recipient.kind !== 'phone') return client.getInputEntity(entityOf(recipient));
  const key = `phone:${recipient.normalized}`;
  const known = book.get(session, key);
  if (known !== undefined) return known;
  const peer = await resolvePhone(client, recipient.normalized);
  book.set(session, key, peer);
  return peer;
}

async function resolvePhone(client: TelegramClientLike, phone: string): Promise<Api.TypeInputPeer> {
  const digits = phone.replace(/^\+/, '');
  let resolved: Api.contacts.ResolvedPeer;
  try {
    resolved = await client.invoke(new Api.contacts.ResolvePhone({ phone: digits }));
  } catch (error) {
    // A wait, a dead session or an unknown number mean what they say; only a session that cannot
    // use ResolvePhone at all (an error nobody recognises) falls back to importing the contact.
    if (telegramErrorClassOf(error).type !== 'unrecognised') throw error;
    return importContact(client, digits);
  }
  const user = resolved.users.find(
    (u) =>
      u instanceof Api.User &&
      resolved.peer instanceof Api.PeerUser &&
      u.id.equals(resolved.peer.userId) &&
      u.accessHash !== undefined,
  );
  if (user === undefined) throw phoneNotOccupied(new Api.contacts.ResolvePhone({ phone: digits }));
  return getInputPeer(user);
}

/** Add the number to the session's contacts; a number Telegram did not import is not occupied. */
async function importContact(client: TelegramClientLike, digits: string): Promise<Api.TypeInputPeer> {
  // Signed, as it travels (a long on the wire), so the answer's clientId compares equal.
  const clientId = generateRandomLong(true);
  const request = new Api.contacts.ImportContacts({
    contacts: [new Api.InputPhoneContact({ clientId, phone: digits, firstName: `+${digits}`, lastName: '' })],
  });
  const result = await client.invoke(request);
  const imported = result.imported.find((c) => c.clientId.equals(clientId));
  const user =
    imported === undefined
      ? undefined
      : result.users.find((u) => u instanceof Api.User && u.id.equals(imported.userId));
  if (user === undefined) throw phoneNotOccupied(request);
  return getInputPeer(user);
}

/** Built as GramJS builds Telegram's own errors, so it is classified and reported by its code. */
function phoneNotOccupied(request: Api.AnyRequest): RPCError {
  return new RPCError(PHONE_NOT_OCCUPIED, request, 400);
}

/** `user:ID`, `chat:ID` or `channel:ID` of an InputPeer: who a message would reach. */
export function peerKey(peer: Api.TypeInputPeer): string | undefined {
  if (peer instanceof Api.InputPeerUser || peer instanceof Api.InputPeerUserFromMessage)
    return `user:${peer.userId.toString()}`;
  if (peer instanceof Api.InputPeerChannel || peer instanceof Api.InputPeerChannelFromMessage)
    return `channel:${peer.channelId.toString()}`;
  if (peer instanceof Api.InputPeerChat) return `chat:${peer.chatId.toString()}`;
  return undefined;
}

/** The entity cache GramJS keeps per client: every user an answer carried, with this account's hash. */
interface EntityCacheHolder {
  readonly _entityCache?: { get(key: unknown): unknown };
}

/**
 * Whether `client` can address user `id` without asking Telegram: GramJS caches every user
 * the session's answers carried (a scrape's members, a resolved username) with the access
 * hash issued to that account. Clients without GramJS's cache (another library's) say no.
 */
export function knowsUser(client: TelegramClientLike, id: string): boolean {
  const cache = (client as EntityCacheHolder)._entityCache;
  if (cache === undefined || typeof cache.get !== 'function') return false;
  try {
    return cache.get(returnBigInt(id).toString()) instanceof Api.InputPeerUser;
  } catch {
    return false;
  }
}
