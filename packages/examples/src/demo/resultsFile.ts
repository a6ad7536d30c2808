import { writeFile } from 'node:fs/promises';
import type { MessageResult } from '@switchyard/telegram-adapter';

const FIELDS = ['recipient', 'outcome', 'session', 'error', 'attempts', 'time_ms'] as const;

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
const field = (value: string | number): string => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * One row per recipient, in the order they settled: the recipient as given, its outcome, the
 * session that sent it (or last tried), the error code or reason, attempts, and the campaign
 * clock time it settled (ms from `start`).
 */
export function resultsCsv(results: readonly MessageResult[], start: number): string {
  const rows = results.map((r) =>
    [r.recipient, r.outcome, r.sessionUsed ?? '', r.error ?? '', r.attempts, Math.round(r.timestamp - start)]
      .map(field)
      .join(','),
  );
  return `${FIELDS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
}

export function writeResultsCsv(
  path: string,
  results: readonly MessageResult[],
  start: number,
): Promise<void> {
  return writeFile(path, resultsCsv(results, start));
}
