import type { TaskSpec } from '@switchyard/core';
import type { TelegramSession } from './clientLike.js';
import { type Content, type DeliveryOutcome, deliver } from './deliver.js';
import { errorCode } from './errorCode.js';
import type { MessageResult } from './messageResult.js';
import type { PeerClaims } from './peerClaims.js';
import type { Recipient } from './recipient.js';
import type { PeerBook } from './resolvePeer.js';
import type { TaskContext } from './taskContext.js';
import { SEND_TO_STRANGERS } from './telegramErrorClass.js';

/** What is shared by the items of one bulk send, and how an item is routed. */
export interface SendOptions {
  readonly delayMs: number;
  readonly signal: AbortSignal;
  readonly attemptTimeoutMs: number;
  /** Phone numbers each session has resolved (kept by the manager, across operations). */
  readonly peers: PeerBook;
  /** Who this operation has already sent to (one message per person). */
  readonly claims: PeerClaims;
  /**
   * Sessions that must not take this item: for a user id, those that cannot address it while
   * another session can (access hashes are per account).
   */
  readonly excluded: readonly string[];
}

/**
 * One recipient, exactly once: one randomId for every attempt, and an idempotent `sending`
 * task, so an attempt whose outcome is unknown is retried by the pool only on the same session
 * (where Telegram recognises the randomId), and fails if that session dies. `run` only sends:
 * the pool's `classify` decides what an error means and what happens to the session.
 */
export async function sendToRecipient(
  ctx: TaskContext,
  recipient: Recipient,
  content: Content,
  options: SendOptions,
): Promise<MessageResult> {
  const { delayMs, signal } = options;
  const randomId = ctx.newRandomId();
  let attempts = 0;
  let sessionUsed: string | null = null;
  const task: TaskSpec<TelegramSession, DeliveryOutcome> = {
    kind: 'sending',
    requires: [SEND_TO_STRANGERS],
    key: `peer:${recipient.kind}:${recipient.normalized.toLowerCase()}`,
    idempotent: true,
    signal,
    attemptTimeoutMs: options.attemptTimeoutMs,
    ...(options.excluded.length > 0 ? { antiAffinity: options.excluded } : {}),
    ...(delayMs > 0 ? { pace: { key: 'send', intervalMs: delayMs } } : {}),
    run: ({ worker, resource, signal: attempt }) => {
      attempts++;
      sessionUsed = worker;
      return deliver(
        {
          client: resource.client,
          session: worker,
          signal: attempt,
          peers: options.peers,
          claims: options.claims,
        },
        recipient,
        content,
        randomId,
      );
    },
  };
  try {
    const outcome = await ctx.pool.submit(task);
    if (typeof outcome === 'object') {
      return {
        recipient: recipient.input,
        success: false,
        outcome: 'skipped',
        sessionUsed: null,
        error: DUPLICATE_RECIPIENT,
        duplicateOf: outcome.duplicateOf,
        attempts,
        timestamp: ctx.clock.now(),
      };
    }
    return {
      recipient: recipient.input,
      success: true,
      outcome: 'sent',
      sessionUsed,
      attempts,
      timestamp: ctx.clock.now(),
    };
  } catch (error) {
    return {
      recipient: recipient.input,
      success: false,
      outcome: 'failed',
      sessionUsed,
      error: errorCode(error),
      attempts,
      timestamp: ctx.clock.now(),
    };
  }
}

/** The reason of a skipped item whose recipient another item of the same send already has. */
export const DUPLICATE_RECIPIENT = 'duplicate recipient';
