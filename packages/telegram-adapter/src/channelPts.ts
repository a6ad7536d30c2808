import { Api } from 'telegram';

/**
 * A channel's updates are numbered by its pts: each update moves it from `pts - ptsCount` to
 * `pts`. GramJS 2.26 does not check the sequence (its `catchUp` is empty), so a gap — updates
 * Telegram sent while the connection was bad, or ones it never sent — passes unnoticed unless
 * the receiver checks.
 */
export type PtsVerdict =
  /** The next update in sequence (or the first one seen): apply it. */
  | 'apply'
  /** Already applied (a repeat, or covered by a fetch). */
  | 'old'
  /** Updates are missing before this one: fetch what was missed. */
  | 'gap';

export function ptsVerdict(local: number | undefined, pts: number, ptsCount: number): PtsVerdict {
  if (local === undefined) return 'apply';
  if (pts <= local) return 'old';
  return pts - ptsCount > local ? 'gap' : 'apply';
}

/** What a channel update says about the channel's sequence. */
export type ChannelSignal =
  | { readonly kind: 'pts'; readonly channelId: string; readonly pts: number; readonly ptsCount: number }
  /** Telegram says too much was missed to send it as updates (`updateChannelTooLong`). */
  | { readonly kind: 'too-long'; readonly channelId: string };

/** The channel and pts an update carries, if it is a channel update with a pts. */
export function channelSignal(update: unknown): ChannelSignal | undefined {
  if (update instanceof Api.UpdateChannelTooLong) {
    return { kind: 'too-long', channelId: update.channelId.toString() };
  }
  if (typeof update !== 'object' || update === null) return undefined;
  const u = update as { pts?: unknown; ptsCount?: unknown; channelId?: unknown; message?: unknown };
  if (typeof u.pts !== 'number' || typeof u.ptsCount !== 'number') return undefined;
  let channelId: string | undefined;
  if (u.channelId !== undefined && u.channelId !== null) channelId = String(u.channelId);
  else if (typeof u.message === 'object' && u.message !== null) {
    const peer = (u.message as { peerId?: unknown }).peerId;
    if (peer instanceof Api.PeerChannel) channelId = peer.channelId.toString();
  }
  if (channelId === undefined) return undefined;
  return { kind: 'pts', channelId, pts: u.pts, ptsCount: u.ptsCount };
}
