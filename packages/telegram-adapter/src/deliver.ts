import { Api } from 'telegram';
import type { TelegramClientLike } from './clientLike.js';
import type { PeerClaims } from './peerClaims.js';
import type { Recipient } from './recipient.js';
import { type PeerBook, peerKey, resolvePeer } from './resolvePeer.js';
import { FILE_PART_MISSING, type PreparedMedia, type SessionMedia, STALE_MEDIA } from './sessionMedia.js';
import { telegramErrorClassOf } from './telegramErrorClass.js';

/** GramJS's 64-bit integer (the `big-integer` package). */
export type BigInteger = NonNullable<Api.messages.SendMessage['randomId']>;

/** What a bulk send delivers to every recipient. */
export type Content =
  | { readonly kind: 'text'; readonly message: string }
  | {
      readonly kind: 'media';
      /** The file, uploaded once per session and then reused by id. */
      readonly media: SessionMedia;
      readonly caption: string;
    };

/** Sent; or recognised by Telegram as sent before (same randomId); or another item's recipient. */
export type DeliveryOutcome = 'sent' | 'already-sent' | { readonly duplicateOf: string };

/** What one attempt needs besides the client: its session, its abort signal, and the operation's books. */
export interface DeliveryContext {
  readonly client: TelegramClientLike;
  readonly session: string;
  /** The attempt's signal: once it has aborted (timed out, cancelled), nothing more is sent. */
  readonly signal: AbortSignal;
  readonly peers: PeerBook;
  readonly claims: PeerClaims;
  /**
   * Called right before each `SendMessage`/`SendMedia` leaves (the peer resolved, the file
   * uploaded) with the resolved peer's key; the request leaves only once it has resolved. A
   * campaign records the attempt durably here.
   */
  readonly beforeSend?: (peer: string | undefined) => Promise<void>;
  /** Called as each `SendMessage`/`SendMedia` is handed to the client: from then on it may have left. */
  readonly handingOver?: () => void;
}

/**
 * Send one message on one session with the caller's `randomId`, so a repeat of the same
 * request is recognised by Telegram (`RANDOM_ID_DUPLICATE`) and counted as sent. The
 * recipient is resolved first and claimed for this item; a recipient another item of the
 * operation already claimed is not sent to again. Nothing leaves once the attempt's signal
 * has aborted, whatever step the attempt had reached. Any other error is thrown as it is, for
 * the pool's `classify`.
 */
export async function deliver(
  ctx: DeliveryContext,
  recipient: Recipient,
  content: Content,
  randomId: BigInteger,
): Promise<DeliveryOutcome> {
  const { client, session, signal } = ctx;
  signal.throwIfAborted();
  const peer = await resolvePeer(client, session, recipient, ctx.peers);
  signal.throwIfAborted();
  const key = peerKey(peer);
  const duplicateOf = key === undefined ? undefined : await ctx.claims.claim(key, recipient.input);
  if (duplicateOf !== undefined) return { duplicateOf };
  signal.throwIfAborted();
  try {
    if (content.kind === 'text') {
      await ctx.beforeSend?.(key);
      signal.throwIfAborted();
      ctx.handingOver?.();
      await client.invoke(new Api.messages.SendMessage({ peer, message: content.message, randomId }));
    } else {
      await sendMedia(ctx, peer, key, content, randomId);
    }
    return 'sent';
  } catch (error) {
    // The verdict is kept with the error, so the pool's classify reads it rather than classifying again.
    if (telegramErrorClassOf(error).type === 'already-sent') return 'already-sent';
    throw error;
  }
}

/**
 * SendMedia with the session's copy of the file. When Telegram no longer has what it carried
 * (an upload's parts expired, a reused photo's reference went stale) nothing was sent: the
 * file is uploaded again and the same request, with the same randomId, tried once more.
 */
async function sendMedia(
  ctx: DeliveryContext,
  peer: Api.TypeInputPeer,
  key: string | undefined,
  content: Extract<Content, { kind: 'media' }>,
  randomId: BigInteger,
): Promise<void> {
  const { client, session, signal } = ctx;
  const send = async (prepared: PreparedMedia) => {
    signal.throwIfAborted();
    if (ctx.beforeSend !== undefined) {
      await ctx.beforeSend(key);
      signal.throwIfAborted();
    }
    ctx.handingOver?.();
    const answer = await client.invoke(
      new Api.messages.SendMedia({ peer, media: prepared.media, message: content.caption, randomId }),
    );
    content.media.remember(session, answer);
  };
  for (let tries = 1; ; tries++) {
    const prepared = await content.media.prepare(session, client);
    try {
      await send(prepared);
      return;
    } catch (error) {
      if (tries >= 3 || !refusedMedia(error)) throw error;
      content.media.forget(session, prepared);
    }
  }
}

/** Telegram refused the media itself (before sending anything): an expired upload or a stale reference. */
function refusedMedia(error: unknown): boolean {
  const cls = telegramErrorClassOf(error);
  if (cls.type !== 'unrecognised' && cls.type !== 'target') return false;
  return FILE_PART_MISSING.test(cls.code) || STALE_MEDIA.has(cls.code);
}
