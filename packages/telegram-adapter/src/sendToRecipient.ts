import { TaskFailedError, type TaskSpec, TaskTimeoutError } from '@switchyard/core';
import type { TelegramSession } from './clientLike.js';
import { type BigInteger, type Content, type DeliveryOutcome, deliver } from './deliver.js';
import { errorCode } from './errorCode.js';
import type { MessageResult } from './messageResult.js';
import type { PeerClaims } from './peerClaims.js';
import { type PeerRoutes, PeerUnreachableError } from './peerRoutes.js';
import type { Recipient } from './recipient.js';
import type { PeerBook } from './resolvePeer.js';
import { whileSessionLives } from './sessionLifeline.js';
import type { TaskContext } from './taskContext.js';
import {
  endedBeforeSending,
  SEND_TO_STRANGERS,
  type TelegramErrorClass,
  telegramErrorClassOf,
} from './telegramErrorClass.js';

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
   * For a user id some sessions know and others do not (access hashes are per account): the
   * sessions that must not take the item, and whether any session that can is still there.
   */
  readonly route?: {
    readonly excluded: readonly string[];
    readonly able: () => boolean;
    readonly routes: PeerRoutes;
  };
  /** For a campaign item: its recorded attempt to reuse, and where to record a new one. */
  readonly durable?: DurableSend;
}

/** How a campaign item is sent: the attempt it resumes, and the hook that records attempts. */
export interface DurableSend {
  /** The attempt left `attempting` by an earlier run: retried only on its session, with its randomId. */
  readonly resumed?: { readonly session: string; readonly randomId: BigInteger };
  /** Record `attempting(session, randomId, peer)` durably; the send leaves only after it resolves. */
  record(session: string, randomId: BigInteger, peer: string | undefined): Promise<void>;
  /** Record the item `pending` again: the recorded attempt is known not to have left. */
  forget(): Promise<void>;
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
  const send = sendTask(ctx, recipient, content, options);
  return send.settle(
    await ctx.pool.submit(send.task).then(
      (value): SendOutcome => ({ value }),
      (error: unknown): SendOutcome => ({ error }),
    ),
  );
}

/** How a send's pool task ended. */
export type SendOutcome = { readonly value: unknown } | { readonly error: unknown };

/** One recipient's send as a pool task (submitted here or by a queue consumer), and its result. */
export interface SendTask {
  readonly task: TaskSpec<TelegramSession, DeliveryOutcome>;
  /** The item's result from how its task ended; stops watching its route. Call it once. */
  settle(outcome: SendOutcome): MessageResult;
  /** Instead of `settle`, when the task ended without a result to report (given back): stops watching its route. */
  drop(): void;
}

/** The pool task that sends to one recipient, and how its outcome becomes the item's result. */
export function sendTask(
  ctx: TaskContext,
  recipient: Recipient,
  content: Content,
  options: SendOptions,
): SendTask {
  const { delayMs, route } = options;
  let signal = options.signal;
  let stopWatching = () => {};
  if (route !== undefined) {
    // The item fails, rather than waits for ever, once no session that knows its user is left.
    const item = new AbortController();
    const follow = () => item.abort(options.signal.reason);
    if (options.signal.aborted) follow();
    else options.signal.addEventListener('abort', follow, { once: true });
    const unwatch = route.routes.watch(() => {
      if (!route.able()) item.abort(new PeerUnreachableError());
    });
    stopWatching = () => {
      unwatch();
      options.signal.removeEventListener('abort', follow);
    };
    signal = item.signal;
  }
  const durable = options.durable;
  const randomId = durable?.resumed?.randomId ?? ctx.newRandomId();
  let recorded = durable?.resumed !== undefined;
  // Whether an attempt of this item may have reached Telegram: then it is pinned to its session.
  let mayHaveSent = durable?.resumed !== undefined;
  let attempts = 0;
  let sessionUsed: string | null = null;
  const task: TaskSpec<TelegramSession, DeliveryOutcome> = {
    kind: 'sending',
    requires: [SEND_TO_STRANGERS],
    key: `peer:${recipient.kind}:${recipient.normalized.toLowerCase()}`,
    idempotent: true,
    signal,
    attemptTimeoutMs: options.attemptTimeoutMs,
    ...(route !== undefined ? { antiAffinity: route.excluded } : {}),
    ...(durable?.resumed !== undefined ? { pinnedTo: durable.resumed.session } : {}),
    ...(delayMs > 0 ? { pace: { key: SEND_PACE_KEY, intervalMs: delayMs } } : {}),
    run: async ({ worker, resource, signal: attempt }) => {
      attempts++;
      sessionUsed = worker;
      let recordedNow = false;
      // Until the request is handed to the client nothing can have left: an attempt cut off
      // before then (timed out, or its session declared dead) may move to another session.
      let handedOver = false;
      const cutOff = () => {
        if (!handedOver) endedBeforeSending(attempt.reason);
      };
      attempt.addEventListener('abort', cutOff, { once: true });
      try {
        return await whileSessionLives(attempt, ctx.lifeline(worker), (signal) =>
          deliver(
            {
              client: resource.client,
              session: worker,
              signal,
              peers: options.peers,
              claims: options.claims,
              handingOver: () => {
                handedOver = true;
              },
              ...(durable === undefined
                ? {}
                : {
                    beforeSend: async (peer: string | undefined) => {
                      await durable.record(worker, randomId, peer);
                      recorded = true;
                      recordedNow = true;
                    },
                  }),
            },
            recipient,
            content,
            randomId,
          ),
        );
      } catch (error) {
        if (!handedOver) endedBeforeSending(error);
        if (durable !== undefined && recordedNow) {
          // Telegram refused this send (PEER_FLOOD, FLOOD_WAIT, a dead session…) and no earlier
          // attempt may have left: the journal forgets the attempt, so a resume after a crash
          // sends the item from any session instead of only this one, which may never send again.
          if (!mayHaveSent && refusedUnsent(telegramErrorClassOf(error))) {
            await durable.forget();
            recorded = false;
          } else mayHaveSent = true;
        }
        throw error;
      } finally {
        attempt.removeEventListener('abort', cutOff);
      }
    },
  };
  const settle = (settled: SendOutcome): MessageResult => {
    stopWatching();
    if ('value' in settled) return resultOf(settled.value as DeliveryOutcome);
    const error = settled.error;
    if (durable !== undefined && recorded && mayHaveLeft(error)) {
      return {
        recipient: recipient.input,
        success: false,
        outcome: 'unknown',
        sessionUsed: durable.resumed?.session ?? sessionUsed,
        error: UNKNOWN_OUTCOME,
        attempts,
        timestamp: ctx.clock.now(),
      };
    }
    return {
      recipient: recipient.input,
      success: false,
      outcome: 'failed',
      sessionUsed,
      error: errorCode(error),
      attempts,
      timestamp: ctx.clock.now(),
    };
  };
  const resultOf = (outcome: DeliveryOutcome): MessageResult =>
    typeof outcome === 'object'
      ? {
          recipient: recipient.input,
          success: false,
          outcome: 'skipped',
          sessionUsed: null,
          error: DUPLICATE_RECIPIENT,
          duplicateOf: outcome.duplicateOf,
          attempts,
          timestamp: ctx.clock.now(),
        }
      : {
          recipient: recipient.input,
          success: true,
          outcome: 'sent',
          sessionUsed,
          attempts,
          timestamp: ctx.clock.now(),
        };
  return { task, settle, drop: () => stopWatching() };
}

/** Whether Telegram's answer says the send was refused, so nothing left. */
function refusedUnsent(cls: TelegramErrorClass): boolean {
  switch (cls.type) {
    case 'flood-wait':
    case 'slow-mode':
    case 'session-limited':
    case 'session-frozen':
    case 'session-dead':
    case 'target':
      return true;
    case 'transient':
      return cls.sent === 'no';
    default:
      return false;
  }
}

/** The error of a campaign send that may have left and will never be sent again. */
/** The pace key of sends: `delayMs` spaces a session's sends, whatever campaign they belong to. */
export const SEND_PACE_KEY = 'send';

export const UNKNOWN_OUTCOME = 'UNKNOWN_OUTCOME';

/** The pool gave up on an attempt that may have reached Telegram (its outcome unknown, or its budget spent). */
function mayHaveLeft(error: unknown): boolean {
  return (
    (error instanceof TaskFailedError && error.failure === 'unknown-outcome') ||
    error instanceof TaskTimeoutError
  );
}

/** The reason of a skipped item whose recipient another item of the same send already has. */
export const DUPLICATE_RECIPIENT = 'duplicate recipient';
