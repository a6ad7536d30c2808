import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Journal } from '@switchyard/core';
import { SqliteJournal } from '@switchyard/core/sqlite';
import { parseCommand } from '../args.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode, RuntimeFailure, UsageError } from '../exitCodes.js';
import { type Io, jsonLine } from '../io.js';
import { type Configured, configure, FLEET_OPTIONS, FLEET_OPTIONS_HELP, follow, withFleet } from '../run.js';
import { CSV_COLUMNS, campaignCounts, csvLine, exportRow } from './journalRows.js';
import { followSend } from './sendResults.js';

export const CAMPAIGN_HELP = `switchyard campaign: the campaigns of the journal (the config's "journal", default ./switchyard.sqlite).

Usage:
  switchyard campaign list [--config F] [--json]
  switchyard campaign status ID [--config F] [--json]
  switchyard campaign resume ID [--config F] [--json] [--plain] [--dashboard [H:P]]
  switchyard campaign export ID [--config F] [--format csv|jsonl] [--out FILE]

  list    every campaign, oldest first: kind, counts, when it started and last changed
  status  one campaign's counts
  resume  finish a send campaign from the journal alone (its text or file, its recipients);
          a scrape campaign is resumed by running the same scrape / join again
  export  one row per recipient: recipient, outcome (sent, failed, skipped, unknown, pending),
          session, error code, time (ISO 8601). CSV (default) or JSON lines; stdout unless --out.
          Refused while the campaign runs in another process.

list, status and export read the journal only: they need no sessions and no API credentials.

Options:
      --format csv|jsonl   export's format (default csv, or jsonl for an --out ending .jsonl)
      --out FILE           export to FILE instead of stdout
${FLEET_OPTIONS_HELP}

${EXIT_CODES_HELP}`;

const SPECS = { ...FLEET_OPTIONS, format: { type: 'string' }, out: { type: 'string' } } as const;

const openJournal = (c: Configured): Journal =>
  new SqliteJournal(
    typeof c.loaded.journal === 'string' ? { path: c.loaded.journal } : { ...c.loaded.journal },
  );

export async function campaign(argv: readonly string[], io: Io): Promise<ExitCode> {
  const { values: v, positionals } = parseCommand('campaign', argv, SPECS, 2);
  const [sub, id] = positionals;
  if (v.help || sub === undefined) {
    io.stdout.write(`${CAMPAIGN_HELP}\n`);
    return v.help ? EXIT.ok : EXIT.usage;
  }
  if (!['list', 'status', 'resume', 'export'].includes(sub))
    throw new UsageError(
      `campaign: unknown subcommand ${JSON.stringify(sub)}; use list, status, resume or export`,
    );
  if (sub === 'list' ? id !== undefined : id === undefined)
    throw new UsageError(
      sub === 'list' ? 'campaign list takes no id' : `campaign ${sub}: the campaign ID is missing`,
    );
  if (sub !== 'export' && (v.format !== undefined || v.out !== undefined))
    throw new UsageError(`campaign ${sub}: --format and --out are for export`);
  const configured = await configure(io, v);
  if (sub === 'resume') return resume(configured, v, id!);
  const journal = openJournal(configured);
  try {
    if (sub === 'list') return await list(configured, journal);
    if (sub === 'status') return await status(configured, journal, id!);
    return await exportCampaign(configured, journal, id!, v.format, v.out);
  } finally {
    await journal.close();
  }
}

function printCounts(c: Configured, counts: Record<string, unknown>): void {
  if (c.json) {
    jsonLine(c.io, { type: 'campaign', ...counts });
    return;
  }
  const { id, kind, total, sent, failed, skipped, pending, unknown, startedAt, updatedAt } = counts;
  c.io.stdout.write(
    `${id}  ${kind}  total ${total} · sent ${sent} · failed ${failed} · skipped ${skipped} · pending ${pending} · unknown ${unknown}  started ${startedAt} · updated ${updatedAt}\n`,
  );
}

async function list(c: Configured, journal: Journal): Promise<ExitCode> {
  const all = await journal.list();
  if (all.length === 0 && !c.json) c.io.stdout.write('no campaigns in the journal\n');
  for (const s of all) printCounts(c, campaignCounts(s));
  return EXIT.ok;
}

async function status(c: Configured, journal: Journal, id: string): Promise<ExitCode> {
  const s = await journal.status(id);
  if (s === undefined)
    throw new UsageError(`campaign status: the journal has no campaign ${JSON.stringify(id)}`);
  printCounts(c, campaignCounts(s));
  return EXIT.ok;
}

async function exportCampaign(
  c: Configured,
  journal: Journal,
  id: string,
  format: string | undefined,
  out: string | undefined,
): Promise<ExitCode> {
  const fmt = format ?? (out?.endsWith('.jsonl') ? 'jsonl' : 'csv');
  if (fmt !== 'csv' && fmt !== 'jsonl')
    throw new UsageError(`campaign export: --format must be csv or jsonl, not ${JSON.stringify(fmt)}`);
  const spec = await journal.spec(id);
  if (spec === undefined)
    throw new UsageError(`campaign export: the journal has no campaign ${JSON.stringify(id)}`);
  // Opening the batch takes its lease: a campaign running in another process is refused rather
  // than read half-way through a change.
  const batch = await journal.open(spec).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'E_JOURNAL_LEASE')
      throw new RuntimeFailure(
        `campaign ${JSON.stringify(id)} is running in another process; export it once that has stopped`,
      );
    throw error;
  });
  const file = out === undefined ? undefined : createWriteStream(resolve(c.io.cwd, out), { mode: 0o600 });
  const write = (text: string) => (file === undefined ? c.io.stdout.write(text) : file.write(text));
  try {
    if (fmt === 'csv') write(`${CSV_COLUMNS.join(',')}\n`);
    for (let from = 0; ; ) {
      const page = await batch.items({ fromSeq: from, limit: 1000 });
      let text = '';
      for (const item of page) {
        const row = exportRow(spec.kind, item);
        text += fmt === 'csv' ? `${csvLine(row)}\n` : `${JSON.stringify(row)}\n`;
      }
      write(text);
      if (page.length < 1000) break;
      from += page.length;
    }
  } finally {
    await batch.release();
    if (file !== undefined) {
      file.end();
      await finished(file);
    }
  }
  return EXIT.ok;
}

async function resume(c: Configured, v: Parameters<typeof withFleet>[1], id: string): Promise<ExitCode> {
  return withFleet(c, v, `campaign ${id}`, async (fleet) => {
    const status = await fleet.manager.campaignStatus(id);
    if (status === undefined)
      throw new UsageError(`campaign resume: the journal has no campaign ${JSON.stringify(id)}`);
    return follow(
      fleet,
      fleet.manager.resumeCampaign(id),
      followSend(id, status.total, `resume with: switchyard campaign resume ${id}`),
    );
  });
}
