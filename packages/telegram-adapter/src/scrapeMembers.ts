import { ValidationError } from '@switchyard/core';
import { Api, utils } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { TelegramClientLike } from './clientLike.js';

/** One scraped member. Ids are strings: they are 64-bit. */
export interface Member {
  readonly id: string;
  readonly username?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phone?: string;
  readonly bot: boolean;
}

export interface ScrapeOptions {
  /** Stop after this many members. */
  readonly maxMembers: number;
  /** Members per request: Telegram serves at most 200. */
  readonly pageSize?: number;
  /**
   * Non-admins see about 10,000 members per filter; to go further, repeat the search with
   * these query strings and merge (TELEGRAM.md). Empty: one pass only.
   */
  readonly searchQueries?: readonly string[];
  readonly signal?: AbortSignal;
  /** Called after each page, for progress. */
  readonly onPage?: (collected: number) => void;
}

/** Letters and digits: the usual way past the ~10,000-per-filter cap. */
export const DEFAULT_SEARCH_QUERIES: readonly string[] = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

function toMember(user: Api.User): Member {
  return {
    id: user.id.toString(),
    bot: user.bot === true,
    ...(user.username ? { username: user.username } : {}),
    ...(user.firstName ? { firstName: user.firstName } : {}),
    ...(user.lastName ? { lastName: user.lastName } : {}),
    ...(user.phone ? { phone: user.phone } : {}),
  };
}

/** Page through a group's members on one session. */
export async function scrapeMembers(
  client: TelegramClientLike,
  peer: Api.TypeInputPeer,
  options: ScrapeOptions,
): Promise<Member[]> {
  const members = new Map<string, Member>();
  const add = (users: readonly Api.TypeUser[]) => {
    for (const u of users) {
      if (members.size >= options.maxMembers) return;
      if (u instanceof Api.User && !u.deleted) members.set(u.id.toString(), toMember(u));
    }
  };
  if (peer instanceof Api.InputPeerChat) {
    const full = await client.invoke(new Api.messages.GetFullChat({ chatId: peer.chatId }));
    add(full.users);
    options.onPage?.(members.size);
    return [...members.values()];
  }
  if (!(peer instanceof Api.InputPeerChannel)) {
    throw new ValidationError([{ field: 'group', reason: 'not a group or channel' }]);
  }
  const channel = utils.getInputChannel(peer);
  const pageSize = Math.min(200, Math.max(1, options.pageSize ?? 200));
  let total = Number.POSITIVE_INFINITY;
  const pass = async (q: string) => {
    let offset = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      if (members.size >= options.maxMembers) return;
      const page = await client.invoke(
        new Api.channels.GetParticipants({
          channel,
          filter: new Api.ChannelParticipantsSearch({ q }),
          offset,
          limit: Math.min(pageSize, options.maxMembers - members.size),
          hash: returnBigInt(0),
        }),
      );
      if (!(page instanceof Api.channels.ChannelParticipants) || page.participants.length === 0) return;
      if (q === '') total = page.count;
      add(page.users);
      options.onPage?.(members.size);
      offset += page.participants.length;
      if (offset >= page.count) return;
    }
  };
  await pass('');
  for (const q of options.searchQueries ?? []) {
    if (members.size >= Math.min(options.maxMembers, total)) break;
    await pass(q);
  }
  return [...members.values()];
}
