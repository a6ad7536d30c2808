// `pnpm bench:stream`: bulk sends whose recipients are read from a CSV file, through the simulated
// fleet on virtual time, at several sizes; each run in a child process of its own, so that each
// peak RSS is that run's alone.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seededRandom } from '@switchyard/core';
import { duration, table } from '../demo/format.js';
import {
  intListOption,
  intOption,
  type OptionSpec,
  parseCommandLine,
  runCommand,
  usage,
} from '../shared/cli.js';
import { makeAudience } from '../simTelegram/index.js';
import type { StreamRunConfig, StreamRunResult } from './streamRun.js';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  sizes: { type: 'string', help: 'recipients per run, comma-separated', default: '10000,100000,1000000' },
  'plain-sizes': {
    type: 'string',
    help: 'sizes also run without a journal (no campaign), comma-separated; "none" for none',
    default: '10000,100000',
  },
  sessions: { type: 'string', help: 'simulated Telegram sessions (1–200)', default: '12' },
  'high-water-mark': { type: 'string', help: 'recipients read ahead of the sends', default: '1000' },
  seed: { type: 'string', help: 'seed for the audience and the fleet', default: '1' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = usage(
  'pnpm bench:stream -- ',
  'Bulk sends whose recipients are read from a CSV file (recipientsFromFile) through the simulated\n' +
    'fleet on virtual time, each size in a child process of its own: wall time, peak RSS, and the\n' +
    'SQLite journal file size per recipient.',
  OPTIONS,
);

interface StreamBenchOptions {
  readonly sizes: readonly number[];
  readonly plainSizes: readonly number[];
  readonly sessions: number;
  readonly highWaterMark: number;
  readonly seed: number;
}

function parseOptions(argv: readonly string[]): StreamBenchOptions | 'help' {
  const values = parseCommandLine(argv, OPTIONS);
  if (values.help === true) return 'help';
  return {
    sizes: intListOption(values, 'sizes', '10000,100000,1000000', 1, 10_000_000),
    plainSizes: intListOption(values, 'plain-sizes', '10000,100000', 1, 10_000_000),
    sessions: intOption(values, 'sessions', 12, 1, 200),
    highWaterMark: intOption(values, 'high-water-mark', 1000, 1, 100_000),
    seed: intOption(values, 'seed', 1, 0, 1_000_000),
  };
}

/** A CSV field as `recipientsFromFile` reads it back: quoted when it is empty or holds a comma or quote. */
const csvField = (value: string) =>
  value === '' || /[",]/.test(value) || value.startsWith('#') ? `"${value.replaceAll('"', '""')}"` : value;

/**
 * Write the demo's audience of `count` recipients (malformed entries and second spellings
 * included) as a CSV file, and what the simulated Telegram must know about them as JSON.
 */
async function writeAudience(
  dir: string,
  count: number,
  seed: number,
): Promise<{ csv: string; audience: string }> {
  const audience = makeAudience(seededRandom(seed * 7919 + 1), count);
  const csv = join(dir, 'recipients.csv');
  const out = createWriteStream(csv);
  out.write('username\n');
  for (const r of audience.recipients) if (!out.write(`${csvField(r)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const names = join(dir, 'audience.json');
  writeFileSync(
    names,
    JSON.stringify({ unknown: [...audience.unknown], privacyRestricted: [...audience.privacyRestricted] }),
  );
  return { csv, audience: names };
}

/** Run one size in a child process and wait for what it measured. */
async function runChild(config: StreamRunConfig): Promise<StreamRunResult> {
  const child = fork(fileURLToPath(new URL('./streamRun.js', import.meta.url)), [JSON.stringify(config)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let result: StreamRunResult | undefined;
  child.on('message', (m) => {
    result = m as StreamRunResult;
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (result === undefined)
    throw new Error(`the run of ${config.csv} exited (${signal ?? code}) without a result`);
  return result;
}

/**
 * One bulk send of `size` recipients from a CSV file, with a SQLite journal and a campaign or
 * without, in a child process of its own; its files are in a temporary folder removed after.
 */
export async function runStreamCampaign(
  size: number,
  journal: boolean,
  options: { readonly sessions: number; readonly seed: number; readonly highWaterMark: number },
): Promise<StreamRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-stream-bench-'));
  try {
    const files = await writeAudience(dir, size, options.seed);
    return await runChild({
      ...files,
      ...(journal ? { journal: join(dir, 'journal.sqlite') } : {}),
      rows: size,
      sessions: options.sessions,
      seed: options.seed,
      highWaterMark: options.highWaterMark,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

export function main(argv: readonly string[], io = process): Promise<number> {
  return runCommand(
    'bench:stream',
    io,
    USAGE,
    () => parseOptions(argv),
    (options) => run(options, io),
  );
}

async function run(options: StreamBenchOptions, io: typeof process): Promise<number> {
  const runs = [
    ...options.sizes.map((size) => ({ size, journal: true })),
    ...options.plainSizes.map((size) => ({ size, journal: false })),
  ];
  io.stdout.write(
    `Bulk sends from a CSV file: ${options.sessions} simulated sessions on virtual time, pacing 2 s, ` +
      `highWaterMark ${options.highWaterMark}; node ${process.version}, ${process.platform}/${process.arch}\n\n`,
  );
  const rows: (string | number)[][] = [];
  const mismatches: string[] = [];
  for (const { size, journal } of runs) {
    const r = await runStreamCampaign(size, journal, options);
    if (r.delivered !== r.sent)
      mismatches.push(
        `${fmt(size)} rows: Telegram accepted ${fmt(r.delivered)}, the summary says ${fmt(r.sent)} sent`,
      );
    const row = [
      fmt(size),
      journal ? 'SQLite' : 'none',
      fmt(r.total),
      fmt(r.sent),
      fmt(r.skipped + r.failed),
      duration(r.campaignMs),
      duration(r.wallMs),
      fmt(r.total / (r.wallMs / 1000)),
      mb(r.peakRss),
      mb(r.heapAtTenth),
      mb(r.heapAtNineTenths),
      r.deliveredBetween > 0 ? ((r.heapAtNineTenths - r.heapAtTenth) / r.deliveredBetween).toFixed(0) : '–',
      journal ? (r.journalBytes / r.total).toFixed(0) : '–',
    ];
    rows.push(row);
    io.stdout.write(`${row.join('  ')}\n`);
  }
  io.stdout.write(
    `\n${table(
      [
        'rows',
        'journal',
        'recipients',
        'sent',
        'skipped+failed',
        'campaign time',
        'wall time',
        'recipients/s',
        'peak RSS MB',
        'heap at 10 % MB',
        'heap at 90 % MB',
        'heap growth B/recipient',
        'journal B/recipient',
      ],
      rows,
    )}\n`,
  );
  io.stdout.write(
    "\nPeak RSS: the run's child process at its highest (process.resourceUsage().maxRSS). Heap: V8 heap\n" +
      'in use after a full GC when a tenth and nine tenths of the rows had been delivered; its growth\n' +
      'between the two, per recipient delivered, is what the run keeps per recipient. Journal: the\n' +
      'SQLite file and its WAL at the end, per recipient.\n',
  );
  for (const m of mismatches) io.stdout.write(`MISMATCH: ${m}\n`);
  return mismatches.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
