import type { BatchStatus, JournalItem } from '@switchyard/core';
import { campaignStatusOf } from '@switchyard/telegram-adapter';
import { iso } from '../io.js';

/** A campaign's counts as `campaign list` and `status` show them (pending counts items mid-send too). */
export function campaignCounts(s: BatchStatus): Record<string, unknown> {
  const counts = campaignStatusOf(s);
  return {
    ...counts,
    complete: s.sourceDone && counts.pending === 0,
    startedAt: iso(s.startedAt),
    updatedAt: iso(s.updatedAt),
  };
}

/** One row of `campaign export`: a recipient (or group) and what became of it. */
export interface ExportRow {
  readonly recipient: string;
  /** sent (done, for a scrape), failed, skipped, unknown, or pending (not finished yet). */
  readonly outcome: string;
  readonly session: string | null;
  readonly error: string | null;
  readonly time: string;
}

const SCRAPE_KINDS = new Set(['scrape', 'join-and-scrape']);

export function exportRow(kind: string, item: JournalItem): ExportRow {
  const s = item.state;
  const base = { recipient: item.key, time: iso(item.updatedAt) };
  switch (s.state) {
    case 'done': {
      const session = (s.result as { sessionUsed?: unknown } | null)?.sessionUsed;
      return {
        ...base,
        outcome: SCRAPE_KINDS.has(kind) ? 'done' : 'sent',
        session: typeof session === 'string' ? session : null,
        error: null,
      };
    }
    case 'failed':
      return { ...base, outcome: 'failed', session: null, error: s.code ?? s.reason };
    case 'skipped':
      return { ...base, outcome: 'skipped', session: null, error: s.reason };
    case 'unknown':
      return { ...base, outcome: 'unknown', session: s.worker ?? null, error: s.reason };
    case 'attempting':
      return { ...base, outcome: 'pending', session: s.worker, error: null };
    default:
      return { ...base, outcome: 'pending', session: null, error: null };
  }
}

export const CSV_COLUMNS = ['recipient', 'outcome', 'session', 'error', 'time'] as const;

// RFC 4180 quoting; a cell a spreadsheet would run as a formula (= + - @) is prefixed with '.
function csvCell(value: string | null): string {
  if (value === null) return '';
  const text = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (row: ExportRow): string => CSV_COLUMNS.map((c) => csvCell(row[c])).join(',');
