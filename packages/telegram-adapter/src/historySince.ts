import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';

/** Telegram returns at most this many messages per `messages.GetHistory`. */
export const HISTORY_PAGE_MAX = 100;

/** What a chat's history holds after a point. */
export interface MissedMessages {
  /** The messages to consider, oldest first (service messages left out). */
  readonly messages: readonly Api.Message[];
  /** More than `limit` messages counted: paging stopped and older ones are not in `messages`. */
  readonly overflow: boolean;
  /** The chat's pts when the newest page was read (channels and supergroups only). */
  readonly pts: number | undefined;
  /** The newest message id the session saw (service messages included), 0 if none. */
  readonly topId: number;
}

export type InvokeHistory = (request: Api.messages.GetHistory) => Promise<Api.messages.TypeMessages>;

/** One `messages.GetHistory` request: newest first, below `offsetId`, above `minId`. */
export function historyPage(
  peer: Api.TypeInputPeer,
  page: { offsetId: number; minId: number; limit: number },
): Api.messages.GetHistory {
  return new Api.messages.GetHistory({
    peer,
    offsetId: page.offsetId,
    offsetDate: 0,
    addOffset: 0,
    limit: page.limit,
    maxId: 0,
    minId: page.minId,
    hash: returnBigInt(0),
  });
}

/**
 * Pages back through a chat's history, newest first, from the newest message down to `minId`
 * (exclusive) or to the first message older than `since` (unix seconds), until the page comes
 * back empty or more than `limit` messages that `counts` were found.
 */
export async function historySince(options: {
  readonly invoke: InvokeHistory;
  readonly peer: Api.TypeInputPeer;
  readonly minId: number;
  readonly since?: number | undefined;
  readonly limit: number;
  /** Whether a message counts towards `limit` (default: every one). */
  readonly counts?: (message: Api.Message) => boolean;
}): Promise<MissedMessages> {
  const { invoke, peer, minId, since, limit, counts = () => true } = options;
  const found: Api.Message[] = [];
  let counted = 0;
  let pts: number | undefined;
  let topId = 0;
  let offsetId = 0;
  for (;;) {
    const want = Math.min(HISTORY_PAGE_MAX, Math.max(1, limit - counted + 1));
    const answer = await invoke(historyPage(peer, { offsetId, minId, limit: want }));
    if (answer instanceof Api.messages.MessagesNotModified) break;
    if (answer instanceof Api.messages.ChannelMessages && pts === undefined) pts = answer.pts;
    const page = [...answer.messages].sort((a, b) => b.id - a.id);
    if (page.length === 0) break;
    let older = false;
    for (const m of page) {
      topId = Math.max(topId, m.id);
      if (m.id <= minId) continue;
      if (since !== undefined && 'date' in m && m.date < since) {
        older = true;
        break;
      }
      if (!(m instanceof Api.Message)) continue;
      found.push(m);
      if (counts(m)) counted++;
    }
    if (older || counted > limit) break;
    const lowest = page.at(-1)!.id;
    if (lowest <= minId + 1 || (offsetId !== 0 && lowest >= offsetId)) break;
    offsetId = lowest;
  }
  return { messages: found.reverse(), overflow: counted > limit, pts, topId };
}
