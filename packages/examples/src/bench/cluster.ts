// `pnpm bench:cluster`: one text campaign spread over 1, 2 and 4 nodes of a cluster on a real
// Redis (started here, on a free port), each node with its own simulated sessions at a fixed
// pace; and the same campaign on one manager without a cluster, for the cost Redis adds per item.
// Real time: BullMQ and Redis run on it.
import { pathToFileURL } from 'node:url';
import { startRedis } from '@switchyard/bullmq/testing';
import { MemoryJournal, seededRandom, systemClock } from '@switchyard/core';
import { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { pino } from 'pino';
import { returnBigInt } from 'telegram/Helpers.js';
import { table } from '../demo/format.js';
import {
  intListOption,
  intOption,
  type OptionSpec,
  parseCommandLine,
  runCommand,
  usage,
} from '../shared/cli.js';
import { type SessionProfile, SimulatedTelegram } from '../simTelegram/index.js';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  nodes: { type: 'string', help: 'node counts to run, comma-separated', default: '1,2,4' },
  recipients: { type: 'string', help: 'recipients of the campaign', default: '400' },
  sessions: { type: 'string', help: 'simulated sessions per node', default: '4' },
  'pace-ms': { type: 'string', help: "each session's pause between sends (delayMs)", default: '200' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = usage(
  'pnpm bench:cluster -- ',
  'One text campaign spread over 1, 2 and 4 cluster nodes on a real Redis (started on a free port),\n' +
    'each node with its own simulated sessions at a fixed pace, and the same campaign on one manager\n' +
    'without a cluster: wall time, sends per second, speed-up, and what Redis adds per item.',
  OPTIONS,
);

interface ClusterBenchOptions {
  readonly nodes: readonly number[];
  readonly recipients: number;
  readonly sessions: number;
  readonly paceMs: number;
}

function parseOptions(argv: readonly string[]): ClusterBenchOptions | 'help' {
  const values = parseCommandLine(argv, OPTIONS);
  if (values.help === true) return 'help';
  return {
    nodes: intListOption(values, 'nodes', '1,2,4', 1, 16),
    recipients: intOption(values, 'recipients', 400, 1, 100_000),
    sessions: intOption(values, 'sessions', 4, 1, 50),
    paceMs: intOption(values, 'pace-ms', 200, 0, 60_000),
  };
}

/** A steady account: 40 ms answers, no faults, a per-minute limit it never reaches at this pace. */
const steady = (name: string): SessionProfile => ({
  name,
  medianLatencyMs: 40,
  latencySigma: 0.2,
  sendsPerMinute: 10_000,
  transientRate: 0,
  lostAnswerRate: 0,
});

interface Run {
  readonly nodes: number;
  readonly cluster: boolean;
  readonly sent: number;
  readonly wallMs: number;
}

/** One campaign over `nodes` nodes (or one manager without a cluster), timed from the call to its report. */
async function runCampaign(
  options: ClusterBenchOptions,
  nodes: number,
  redis: string | undefined,
  prefix: string,
): Promise<Run> {
  const names = Array.from({ length: nodes }, (_, n) =>
    Array.from({ length: options.sessions }, (_, s) => `n${n}s${s}`),
  );
  const telegram = new SimulatedTelegram({
    clock: systemClock,
    random: (name) => seededRandom(names.flat().indexOf(name) + 1),
    profiles: names.flat().map(steady),
    audience: { unknown: new Set(), privacyRestricted: new Set() },
    keep: 'counts',
  });
  let randomId = 1;
  const managers = names.map(
    (sessions, n) =>
      new TelegramSessionManager({
        sessions: sessions.map((name) => ({ name, client: telegram.client(name) })),
        delayMs: options.paceMs,
        logger: pino({ level: 'silent' }),
        randomId: () => returnBigInt(`${n + 1}${String(randomId++).padStart(9, '0')}`),
        ...(redis === undefined
          ? { journal: new MemoryJournal() }
          : { cluster: { redis, node: `node-${n}`, prefix } }),
      }),
  );
  try {
    for (let i = 0; ; i++) {
      const ready = managers.every((m) =>
        m.sessionNames().every((s) => m.getSessionInfo(s).connection === 'connected'),
      );
      if (ready) break;
      if (i > 2000) throw new Error('the nodes did not connect within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (redis !== undefined) await Promise.all(managers.slice(1).map((m) => m.serve()));
    const recipients = Array.from(
      { length: options.recipients },
      (_, i) => `member_${String(i).padStart(6, '0')}`,
    );
    const started = performance.now();
    const report = await managers[0]!.sendTextMessagesBulk(recipients, 'Spring sale!', {
      campaign: 'bench',
    });
    const wallMs = performance.now() - started;
    if (telegram.delivered !== report.summary.sent)
      throw new Error(`Telegram accepted ${telegram.delivered}, the report says ${report.summary.sent} sent`);
    return { nodes, cluster: redis !== undefined, sent: report.summary.sent, wallMs };
  } finally {
    await Promise.all(managers.map((m) => m.shutdown()));
  }
}

export function main(argv: readonly string[], io = process): Promise<number> {
  return runCommand(
    'bench:cluster',
    io,
    USAGE,
    () => parseOptions(argv),
    (options) => run(options, io),
  );
}

async function run(options: ClusterBenchOptions, io: typeof process): Promise<number> {
  const server = await startRedis();
  const runs: Run[] = [];
  try {
    io.stdout.write(
      `One campaign of ${options.recipients} recipients; ${options.sessions} simulated sessions per node, ` +
        `each sending every ${options.paceMs} ms (40 ms answers); Redis ${server.url}; node ${process.version}\n\n`,
    );
    // The same campaign on one manager with its journal in memory: no Redis on its path.
    runs.push(await runCampaign(options, 1, undefined, ''));
    for (const [i, nodes] of options.nodes.entries())
      runs.push(await runCampaign(options, nodes, server.url, `bench${i}:`));
  } finally {
    await server.dispose();
  }
  const one = runs.find((r) => r.cluster && r.nodes === 1);
  const local = runs.find((r) => !r.cluster);
  const rows = runs.map((r) => [
    r.cluster ? `${r.nodes}` : '1 (no cluster)',
    `${r.nodes * options.sessions}`,
    `${r.sent}`,
    `${(r.wallMs / 1000).toFixed(2)} s`,
    (r.sent / (r.wallMs / 1000)).toFixed(1),
    r.cluster && one !== undefined ? `${(one.wallMs / r.wallMs).toFixed(2)}×` : '–',
  ]);
  io.stdout.write(`${table(['nodes', 'sessions', 'sent', 'wall time', 'sends/s', 'speed-up'], rows)}\n`);
  if (one !== undefined && local !== undefined)
    io.stdout.write(
      `\nRedis and BullMQ add ${((one.wallMs - local.wallMs) / one.sent).toFixed(2)} ms of wall time per item on one node ` +
        `(${(one.wallMs / 1000).toFixed(2)} s against ${(local.wallMs / 1000).toFixed(2)} s without a cluster).\n`,
    );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
