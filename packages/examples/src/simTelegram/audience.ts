import type { Random } from '@switchyard/core';

/** The people a campaign is sent to, and what the simulated Telegram knows about them. */
export interface Audience {
  /** Everything the campaign is given, in order: valid names, malformed entries and duplicates. */
  readonly recipients: readonly string[];
  /** Valid usernames (lower case) that exist and accept messages: each must get exactly one. */
  readonly deliverable: ReadonlySet<string>;
  /** Existing users whose privacy settings refuse messages from strangers. */
  readonly privacyRestricted: ReadonlySet<string>;
  /** Well-formed usernames nobody owns (`USERNAME_NOT_OCCUPIED`). */
  readonly unknown: ReadonlySet<string>;
  /** Entries no send is even attempted for (bad syntax). */
  readonly malformed: readonly string[];
  /** Second spellings of a recipient already in the list (`@name`, `t.me/name`). */
  readonly duplicates: readonly string[];
}

/** `@name` and `t.me/name` are the same person as `name`: the name, lower case. */
export const personKey = (entry: string): string =>
  entry.replace(/^@|^(https?:\/\/)?t\.me\//i, '').toLowerCase();

const FIRST = [
  'amelia',
  'bruno',
  'chiara',
  'dmitri',
  'elena',
  'farid',
  'greta',
  'hiro',
  'ines',
  'jonas',
  'kasia',
  'luca',
  'maya',
  'nikolai',
  'olga',
  'pablo',
  'quinn',
  'rosa',
  'sven',
  'tariq',
  'uma',
  'viktor',
  'wanda',
  'ximena',
  'yusuf',
  'zoe',
];

const MALFORMED = [
  '',
  'ab',
  '1starts_with_digit',
  'double__underscore',
  'ends_with_',
  'has space',
  'https://t.me/+AbCdEf123',
  '+12',
  'name-with-dash',
  'way_too_long_username_for_telegram_rules',
];

/**
 * About `count` recipients: ~1 % malformed, ~0.5 % duplicates spelled another way, ~1 %
 * privacy-restricted and ~0.5 % unknown usernames; the rest are deliverable.
 */
export function makeAudience(random: Random, count: number): Audience {
  const deliverable = new Set<string>();
  const privacyRestricted = new Set<string>();
  const unknown = new Set<string>();
  const malformed: string[] = [];
  const duplicates: string[] = [];
  const recipients: string[] = [];
  const valid: string[] = [];
  for (let i = 0; recipients.length < count; i++) {
    const roll = random();
    if (roll < 0.01) {
      const bad = MALFORMED[malformed.length % MALFORMED.length]!;
      malformed.push(bad);
      recipients.push(bad);
      continue;
    }
    if (roll < 0.015 && valid.length > 0) {
      const original = valid[Math.floor(random() * valid.length)]!;
      const spelled = random() < 0.5 ? `@${original}` : `t.me/${original}`;
      duplicates.push(spelled);
      recipients.push(spelled);
      continue;
    }
    const name = `${FIRST[i % FIRST.length]!}_${String(i).padStart(5, '0')}`;
    valid.push(name);
    recipients.push(name);
    if (roll < 0.025) privacyRestricted.add(name);
    else if (roll < 0.03) unknown.add(name);
    else deliverable.add(name);
  }
  return { recipients, deliverable, privacyRestricted, unknown, malformed, duplicates };
}
