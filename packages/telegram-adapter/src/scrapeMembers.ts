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
  /**
   * Called after each page is taken into `progress` (awaited before the next request), so a
   * campaign can keep the place it reached.
   */
  readonly checkpoint?: () => Promise<void>;
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

/**
 * Why a scrape did not list every member of the group:
 * - `max-members`: it stopped at the caller's `maxMembers`;
 * - `member-cap`: Telegram listed fewer members than the group has (it shows a non-admin about
 *   10,000 per filter, or only some members) and no letter search was asked for (`deepSearch`);
 * - `search-incomplete`: the letter search ran and still found fewer than the group has (names
 *   in other alphabets are not reached by a–z and 0–9);
 * - `hidden-members`: the group hides its member list from this session (only admins are listed);
 * - `join-pending`: the join waits for an admin's approval, so no member was listed.
 */
export type IncompleteReason =
  | 'max-members'
  | 'member-cap'
  | 'search-incomplete'
  | 'hidden-members'
  | 'join-pending';

/** What a scrape found, and whether it is the whole group. */
export interface ScrapeOutcome {
  readonly members: Member[];
  /** True only when every member the group has was listed. */
  readonly complete: boolean;
  /** Why not, when `complete` is false. */
  readonly incompleteReason?: IncompleteReason;
  /** How many members Telegram says the group has, when it says. */
  readonly memberCount?: number;
}

/**
 * Where a scrape has got to. Kept by the scrape's task across attempts, so an attempt that
 * meets a flood wait (or any retried error) resumes from the page it reached, on whichever
 * session takes it next, instead of starting again.
 */
export interface ScrapeProgress {
  /** Members found so far, by id. */
  readonly members: Map<string, Member>;
  /** Every participant id listed so far (deleted accounts too): what counts towards `memberCount`. */
  readonly seen: Set<string>;
  /** Which pass is running: 0 is the plain listing, then one per search query. */
  pass: number;
  /** Offset of the next page within the pass. */
  offset: number;
  /** Telegram's member count, once known. */
  memberCount: number | undefined;
  /** Whether the group was asked about (`channels.GetFullChannel`) yet. */
  asked: boolean;
  /** The group hides its member list from this session. */
  hidden: boolean;
}

export function newScrapeProgress(): ScrapeProgress {
  return {
    members: new Map(),
    seen: new Set(),
    pass: 0,
    offset: 0,
    memberCount: undefined,
    asked: false,
    hidden: false,
  };
}

/** The user a channel participant stands for (banned and left ones name a peer instead). */
function participantUserId(p: Api.TypeChannelParticipant): string | undefined {
  if ('userId' in p) return p.userId.toString();
  if ('peer' in p && p.peer instanceof Api.PeerUser) return p.peer.userId.toString();
  return undefined;
}

/**
 * Page through a group's members on one session, from where `progress` says. Only users that
 * appear as participants are reported: Telegram also attaches the users a page mentions
 * (inviters, promoters, whoever banned someone), who may not be members at all.
 */
export async function scrapeMembers(
  client: TelegramClientLike,
  peer: Api.TypeInputPeer,
  options: ScrapeOptions,
  progress: ScrapeProgress = newScrapeProgress(),
): Promise<ScrapeOutcome> {
  const { members, seen } = progress;
  const add = (participantIds: readonly (string | undefined)[], users: readonly Api.TypeUser[]) => {
    const byId = new Map(users.map((u) => [u.id.toString(), u]));
    for (const id of participantIds) {
      if (id === undefined) continue;
      seen.add(id);
      if (members.size >= options.maxMembers) continue;
      const u = byId.get(id);
      if (u instanceof Api.User && !u.deleted) members.set(id, toMember(u));
    }
  };
  if (peer instanceof Api.InputPeerChat) {
    const full = await client.invoke(new Api.messages.GetFullChat({ chatId: peer.chatId }));
    const chat = full.chats.find((c) => c instanceof Api.Chat && c.id.equals(peer.chatId));
    if (chat instanceof Api.Chat) progress.memberCount = chat.participantsCount;
    const list = full.fullChat instanceof Api.ChatFull ? full.fullChat.participants : undefined;
    if (list instanceof Api.ChatParticipants) {
      add(
        list.participants.map((p) => p.userId.toString()),
        full.users,
      );
    } else {
      // ChatParticipantsForbidden: the list is not shown to this session.
      progress.hidden = true;
    }
    options.onPage?.(members.size);
    await options.checkpoint?.();
    return outcome(progress, options, false);
  }
  if (!(peer instanceof Api.InputPeerChannel)) {
    throw new ValidationError([{ field: 'group', reason: 'not a group or channel' }]);
  }
  const channel = utils.getInputChannel(peer);
  if (!progress.asked) {
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel }));
    if (full.fullChat instanceof Api.ChannelFull) {
      progress.memberCount = full.fullChat.participantsCount;
      progress.hidden =
        full.fullChat.participantsHidden === true || full.fullChat.canViewParticipants === false;
    }
    progress.asked = true;
  }
  const pageSize = Math.min(200, Math.max(1, options.pageSize ?? 200));
  const queries = ['', ...(options.searchQueries ?? [])];
  const enough = () =>
    members.size >= options.maxMembers ||
    (progress.memberCount !== undefined && seen.size >= progress.memberCount);
  for (; progress.pass < queries.length; progress.pass++, progress.offset = 0) {
    if (progress.pass > 0 && enough()) break;
    const q = queries[progress.pass]!;
    for (;;) {
      options.signal?.throwIfAborted();
      if (members.size >= options.maxMembers) break;
      const page = await client.invoke(
        new Api.channels.GetParticipants({
          channel,
          filter: new Api.ChannelParticipantsSearch({ q }),
          offset: progress.offset,
          limit: Math.min(pageSize, options.maxMembers - members.size),
          hash: returnBigInt(0),
        }),
      );
      if (!(page instanceof Api.channels.ChannelParticipants) || page.participants.length === 0) break;
      if (q === '' && progress.memberCount === undefined) progress.memberCount = page.count;
      add(page.participants.map(participantUserId), page.users);
      options.onPage?.(members.size);
      progress.offset += page.participants.length;
      await options.checkpoint?.();
      if (progress.offset >= page.count) break;
    }
  }
  return outcome(progress, options, queries.length > 1);
}

function outcome(progress: ScrapeProgress, options: ScrapeOptions, searched: boolean): ScrapeOutcome {
  const members = [...progress.members.values()];
  const count = progress.memberCount;
  const base = count === undefined ? { members } : { members, memberCount: count };
  // Without a count from Telegram, only a list the group hides is known to be partial.
  const whole = count === undefined ? !progress.hidden : progress.seen.size >= count;
  if (whole) return { ...base, complete: true };
  const incompleteReason: IncompleteReason =
    progress.members.size >= options.maxMembers
      ? 'max-members'
      : progress.hidden
        ? 'hidden-members'
        : searched
          ? 'search-incomplete'
          : 'member-cap';
  return { ...base, complete: false, incompleteReason };
}
