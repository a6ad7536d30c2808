import type { TaskSpec } from '@switchyard/core';
import type { TelegramSession } from './clientLike.js';
import { type Content, deliver } from './deliver.js';
import { errorCode } from './errorCode.js';
import type { MessageResult } from './messageResult.js';
import type { Recipient } from './recipient.js';
import type { TaskContext } from './taskContext.js';
import { SEND_TO_STRANGERS } from './telegramErrorClass.js';

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
  options: { delayMs: number; signal: AbortSignal; attemptTimeoutMs: number },
): Promise<MessageResult> {
  const { delayMs, signal } = options;
  const randomId = ctx.newRandomId();
  let attempts = 0;
  let sessionUsed: string | null = null;
  const task: TaskSpec<TelegramSession, 'sent' | 'already-sent'> = {
    kind: 'sending',
    requires: [SEND_TO_STRANGERS],
    key: `peer:${recipient.kind}:${recipient.normalized.toLowerCase()}`,
    idempotent: true,
    signal,
    attemptTimeoutMs: options.attemptTimeoutMs,
    ...(delayMs > 0 ? { pace: { key: 'send', intervalMs: delayMs } } : {}),
    run: ({ worker, resource }) => {
      attempts++;
      sessionUsed = worker;
      return deliver(resource.client, worker, recipient, content, randomId);
    },
  };
  try {
    await ctx.pool.submit(task);
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
