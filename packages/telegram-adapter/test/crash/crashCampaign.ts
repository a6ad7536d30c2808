import { systemClock } from '@switchyard/core';
import { ScriptedTelegram } from '../scriptedTelegram.js';

/** The campaign every run of the crash test sends. */
export const CAMPAIGN = { id: 'crash-campaign', recipients: 200, sessions: 4, text: 'spring sale' } as const;

/** The recipients, in order: usernames the scripted Telegram knows. */
export function crashRecipients(count: number = CAMPAIGN.recipients): string[] {
  return Array.from({ length: count }, (_, i) => `member_${String(i).padStart(4, '0')}`);
}

/**
 * The scripted Telegram of a child process, on the real clock: the same users, then the same
 * accounts, in the same order on every run and in every process, so they have the same ids;
 * its deliveries and seen randomIds kept in `file` (loaded from it first), so they outlive a
 * SIGKILL; and small real latencies (`minMs` up to `minMs + spreadMs`), so that a kill lands
 * before, during or after a request.
 */
export function crashTelegram(
  sessions: readonly string[],
  file: string,
  random: () => number,
  {
    recipients = CAMPAIGN.recipients,
    minMs = 3,
    spreadMs = 10,
  }: { recipients?: number; minMs?: number; spreadMs?: number } = {},
): {
  telegram: ScriptedTelegram;
  sessions: { name: string; client: ReturnType<ScriptedTelegram['client']> }[];
} {
  const telegram = new ScriptedTelegram({ clock: systemClock });
  for (const username of crashRecipients(recipients)) telegram.addUser({ username });
  const clients = sessions.map((name) => ({ name, client: telegram.client(name) }));
  telegram.persistTo(file);
  telegram.onRequest = () =>
    new Promise((resolve) => setTimeout(resolve, minMs + Math.floor(random() * spreadMs)));
  return { telegram, sessions: clients };
}
