import { returnBigInt } from 'telegram/Helpers.js';
import { z } from 'zod';
import type { EntityLike } from './clientLike.js';

/** A recipient after validation: the original text and what GramJS should resolve. */
export interface Recipient {
  /** Exactly as the caller gave it; the key of the results map. */
  readonly input: string;
  readonly kind: 'username' | 'user-id' | 'chat-id' | 'phone';
  /** Normalised form: username without `@`/link, id digits, or `+digits`. */
  readonly normalized: string;
}

/**
 * Telegram's username rules: 5–32 characters of letters, digits and `_`, starting with a
 * letter, not ending with `_`, and no `__`.
 */
export const usernameSchema = z
  .string()
  .min(5, 'a username has at least 5 characters')
  .max(32, 'a username has at most 32 characters')
  .regex(/^[A-Za-z]/, 'a username starts with a letter')
  .regex(/^[A-Za-z0-9_]+$/, 'a username has only letters, digits and _')
  .refine((s) => !s.endsWith('_'), 'a username does not end with _')
  .refine((s) => !s.includes('__'), 'a username does not contain __');

const linkRe = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/([^/?#]+)\/?$/i;
// E.164 allows at most 15 digits; the shortest real numbers have 7.
const phoneRe = /^\+[0-9]{7,15}$/;
// Ids are 64-bit on the wire; GramJS rejects anything longer.
const userIdRe = /^[1-9][0-9]{0,18}$/;
const chatIdRe = /^-[1-9][0-9]{0,18}$/;

export type RecipientCheck =
  | { ok: true; recipient: Recipient }
  | { ok: false; input: string; reason: string };

/** Validate one recipient: `@name`, `name`, `t.me/name`, a positive user id, a negative chat id or `+phone`. */
export function checkRecipient(raw: unknown): RecipientCheck {
  const input = typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : raw;
  if (typeof input !== 'string')
    return { ok: false, input: String(raw), reason: 'a recipient is a string or a number' };
  const text = input.trim();
  if (text === '') return { ok: false, input, reason: 'the recipient is empty' };
  if (phoneRe.test(text)) return { ok: true, recipient: { input, kind: 'phone', normalized: text } };
  if (text.startsWith('+'))
    return { ok: false, input, reason: 'a phone number is + followed by 7–15 digits' };
  if (userIdRe.test(text)) return { ok: true, recipient: { input, kind: 'user-id', normalized: text } };
  if (chatIdRe.test(text)) return { ok: true, recipient: { input, kind: 'chat-id', normalized: text } };
  if (/^-?[0-9]+$/.test(text))
    return { ok: false, input, reason: 'an id is a positive user id or a negative chat id' };
  let name = text;
  const link = linkRe.exec(text);
  if (link) name = link[1]!;
  else if (text.startsWith('@')) name = text.slice(1);
  else if (text.includes('/')) return { ok: false, input, reason: 'only t.me/name links are accepted' };
  if (link && (name.startsWith('+') || name === 'joinchat')) {
    return { ok: false, input, reason: 'an invite link is not a message recipient' };
  }
  const parsed = usernameSchema.safeParse(name);
  if (!parsed.success)
    return { ok: false, input, reason: parsed.error.issues[0]?.message ?? 'invalid username' };
  return { ok: true, recipient: { input, kind: 'username', normalized: name } };
}

/** What to hand to `client.getInputEntity` for this recipient. */
export function entityOf(recipient: Recipient): EntityLike {
  switch (recipient.kind) {
    case 'username':
    case 'phone':
      return recipient.normalized;
    case 'user-id':
    case 'chat-id':
      return returnBigInt(recipient.normalized);
  }
}

export interface RecipientPartition {
  readonly valid: readonly Recipient[];
  readonly invalid: readonly { readonly input: string; readonly reason: string }[];
  /** Inputs given more than once: each gets one message, so later copies are dropped. */
  readonly duplicates: readonly string[];
  /** Each of `duplicates` → the input of the first item for the same recipient. */
  readonly duplicateOf: ReadonlyMap<string, string>;
}

/** Validate a list, dropping exact repeats (one message per recipient, however often it is listed). */
export function partitionRecipients(list: readonly unknown[]): RecipientPartition {
  const valid: Recipient[] = [];
  const invalid: { input: string; reason: string }[] = [];
  const duplicates: string[] = [];
  const duplicateOf = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const raw of list) {
    const check = checkRecipient(raw);
    if (!check.ok) {
      invalid.push({ input: check.input, reason: check.reason });
      continue;
    }
    const key = `${check.recipient.kind}:${check.recipient.normalized.toLowerCase()}`;
    const first = seen.get(key);
    if (first !== undefined) {
      duplicates.push(check.recipient.input);
      duplicateOf.set(check.recipient.input, first);
      continue;
    }
    seen.set(key, check.recipient.input);
    valid.push(check.recipient);
  }
  return { valid, invalid, duplicates, duplicateOf };
}
