import { ValidationError } from '@switchyard/core';
import { returnBigInt } from 'telegram/Helpers.js';
import type { EntityLike } from './clientLike.js';
import { usernameSchema } from './recipient.js';

/** A group or channel as the caller named it. */
export type GroupRef =
  | { readonly kind: 'public'; readonly input: string; readonly username: string }
  | { readonly kind: 'invite'; readonly input: string; readonly hash: string }
  | { readonly kind: 'id'; readonly input: string; readonly id: string };

const linkRe = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(.+?)\/?$/i;
const inviteHashRe = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Parse `@name`, `name`, `t.me/name`, `t.me/+HASH`, `t.me/joinchat/HASH` or a negative chat id.
 * GramJS does not parse invite links itself (TELEGRAM.md), so we do.
 */
export function parseGroupRef(raw: unknown, field = 'group'): GroupRef {
  const fail = (reason: string): never => {
    throw new ValidationError([{ field, reason }]);
  };
  const input = typeof raw === 'number' ? String(raw) : raw;
  if (typeof input !== 'string' || input.trim() === '')
    return fail('a group username, link or id is required');
  const text = input.trim();
  if (/^-[1-9][0-9]{0,18}$/.test(text)) return { kind: 'id', input, id: text };
  const link = linkRe.exec(text);
  let name = text.startsWith('@') ? text.slice(1) : text;
  if (link) {
    const path = link[1]!;
    const invite = /^(?:\+|joinchat\/)(.+)$/.exec(path);
    if (invite) {
      const hash = invite[1]!;
      if (!inviteHashRe.test(hash)) return fail('the invite hash is malformed');
      return { kind: 'invite', input, hash };
    }
    name = path;
  } else if (text.includes('/')) {
    return fail('only t.me links are accepted');
  }
  const parsed = usernameSchema.safeParse(name);
  if (!parsed.success) return fail(parsed.error.issues[0]?.message ?? 'invalid username');
  return { kind: 'public', input, username: name };
}

/** What to hand to `getInputEntity` for a group that needs no join. */
export function groupEntity(ref: Exclude<GroupRef, { kind: 'invite' }>): EntityLike {
  return ref.kind === 'public' ? ref.username : returnBigInt(ref.id);
}
