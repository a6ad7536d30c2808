import { chmod, writeFile } from 'node:fs/promises';
import type { Member } from './scrapeMembers.js';

export type MemberFormat = 'csv' | 'jsonl';

const columns = ['id', 'username', 'firstName', 'lastName', 'phone', 'bot'] as const;

// RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula.
function csvCell(value: unknown): string {
  if (value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function membersToCsv(members: readonly Member[]): string {
  const lines = [columns.join(',')];
  for (const m of members) lines.push(columns.map((c) => csvCell(m[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export function membersToJsonl(members: readonly Member[]): string {
  return members.map((m) => JSON.stringify(m)).join('\n') + (members.length > 0 ? '\n' : '');
}

/** Write members to a file. Member lists are personal data, so the file is private to its owner (0600). */
export async function writeMembers(
  path: string,
  members: readonly Member[],
  format: MemberFormat,
): Promise<void> {
  const text = format === 'csv' ? membersToCsv(members) : membersToJsonl(members);
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}
