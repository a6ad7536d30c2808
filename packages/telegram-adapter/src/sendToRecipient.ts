import type { TaskSpec } from '@switchyard/core';
import { OutcomeUnknownError } from './adapterErrors.js';
import type { TelegramSession } from './clientLike.js';
import { type Content, deliver } from './deliver.js';
import { errorCode } from './errorCode.js';
import type { MessageResult } from './messageResult.js';
import type { Recipient } from './recipient.js';
import type { TaskContext } from './taskContext.js';
import { classifyTelegramError, SEND_TO_STRANGERS } from './telegramErrorClass.js';

/**
 * One recipient, exactly once: one randomId for all attempts; an unknown outcome never moves to another session.
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
  let maybeSentOn: string | undefined;
  const task: TaskSpec<TelegramSession, 'sent' | 'already-sent'> = {
    kind: 'sending',
    requires: [SEND_TO_STRANGERS],
    key: `peer:${recipient.kind}:${recipient.normalized.toLowerCase()}`,
    idempotent: true,
    signal,
    attemptTimeoutMs: options.attemptTimeoutMs,
    ...(delayMs > 0 ? { pace: { key: 'send', intervalMs: delayMs } } : {}),
    run: async ({ worker, resource }) => {
      attempts++;
      sessionUsed = worker;
      if (maybeSentOn !== undefined && maybeSentOn !== worker)
        throw new OutcomeUnknownError(recipient.input, maybeSentOn);
      try {
        const outcome = await deliver(resource.client, worker, recipient, content, randomId, () => {
          // From here until Telegram answers, the message may have gone out on this session.
          maybeSentOn = worker;
        });
        return outcome;
      } catch (error) {
        const cls = classifyTelegramError(error);
        // Telegram answered with an error: it did not send, so the item may move.
        if (!(cls.type === 'transient' && cls.sent === 'maybe')) maybeSentOn = undefined;
        ctx.onSessionError(worker, cls);
        throw error;
      }
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
