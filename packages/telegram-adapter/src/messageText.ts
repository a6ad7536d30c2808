import { z } from 'zod';
import { parseOrThrow } from './parseOrThrow.js';

/** Telegram's limits for user accounts (TELEGRAM.md); `help.getConfig` can report higher ones. */
export const MESSAGE_MAX_CHARS = 4096;
export const CAPTION_MAX_CHARS = 1024;

const textSchema = z
  .string({ error: 'the message must be a string' })
  .refine((s) => s.trim().length > 0, 'the message is empty')
  .refine((s) => s.length <= MESSAGE_MAX_CHARS, `the message is longer than ${MESSAGE_MAX_CHARS} characters`);

const captionSchema = z
  .string({ error: 'the caption must be a string' })
  .max(CAPTION_MAX_CHARS, `the caption is longer than ${CAPTION_MAX_CHARS} characters`);

export function validateMessageText(text: unknown, field = 'message'): string {
  return parseOrThrow(textSchema, text, field);
}

export function validateCaption(caption: unknown, field = 'caption'): string {
  return caption === undefined ? '' : parseOrThrow(captionSchema, caption, field);
}
