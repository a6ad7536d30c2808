// `pnpm bench`: every benchmark section, printed as tables; `-- --quick` for a short run.
import { pathToFileURL } from 'node:url';
import { type OptionSpec, parseCommandLine, runCommand, usage } from '../shared/cli.js';
import { contenders } from './contenders.js';
import { checkGoals } from './goals.js';
import { benchDurableBatch, benchJournalChanges } from './journal.js';
import { type BenchPlan, FULL_PLAN, QUICK_PLAN } from './plan.js';
import { benchHeap, benchThroughput, benchWallTime, benchWorkerHeap, names } from './pool.js';
import { benchStrategies } from './strategies.js';
import { runStreamCampaign } from './stream.js';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  quick: {
    type: 'boolean',
    help: 'every section and table at a fraction of its size, in well under a minute: a check, not numbers to quote',
  },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = usage(
  'pnpm bench --',
  'Pool throughput, real-work wall time and heap beside p-queue and generic-pool, the SQLite journal,\n' +
    "a streamed Telegram campaign, the goals Switchyard is held to, and the cost of each strategy's\n" +
    'pick, each printed as a table. The full run takes about five minutes on two cores.',
  OPTIONS,
);

function parseOptions(argv: readonly string[]): BenchPlan | 'help' {
  const values = parseCommandLine(argv, OPTIONS);
  if (values.help === true) return 'help';
  return values.quick === true ? QUICK_PLAN : FULL_PLAN;
}

/** The command line: 0 after a run, 2 for a bad option (with the hint to run --help). */
export function main(argv: readonly string[], io = process): Promise<number> {
  return runCommand('bench', io, USAGE, () => parseOptions(argv), run);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const SY = contenders.switchyard.name;
const PQ = contenders.pQueue.name;
const GP = contenders.genericPool.name;
const ratio = (a: number | undefined, b: number | undefined) => ((a ?? 0) / (b ?? 1)).toFixed(2);

/** The same streamed campaign with the journal and without, in one run. */
async function benchCampaignJournal(size: number) {
  const options = { sessions: 12, seed: 1, highWaterMark: 1000 };
  const runs = [];
  for (const journal of [true, false])
    runs.push({ journal, result: await runStreamCampaign(size, journal, options) });
  return { size, runs };
}

async function run(plan: BenchPlan): Promise<number> {
  const started = performance.now();
  const quick = plan.label === 'quick';
  console.log(
    `Switchyard benchmarks${quick ? ' (QUICK: every section at a fraction of its size; a check, not numbers to quote)' : ''} — node ${process.version}, ${process.platform}/${process.arch}`,
  );
  console.log(
    `\nPool throughput: no-op tasks, workers of capacity 1, all tasks submitted at once. ${SY}, ${PQ}` +
      ` (concurrency = workers) and ${GP} (max = workers resources, each task acquire → run → release)` +
      ' run the same batches interleaved in this process; each cell is the best of `runs`.\n',
  );
  const throughput = await benchThroughput(plan.throughput);
  console.table(
    throughput.map((r) => {
      const row: Record<string, string> = {
        workers: fmt(r.workers),
        queued: fmt(r.queued),
        runs: `${r.runs}`,
      };
      for (const n of names) row[`${n} tasks/s`] = fmt(r.tasksPerSec[n] ?? 0);
      row[`${SY} / ${PQ}`] = ratio(r.tasksPerSec[SY], r.tasksPerSec[PQ]);
      row[`${SY} / ${GP}`] = ratio(r.tasksPerSec[SY], r.tasksPerSec[GP]);
      for (const n of names) row[`${n} ns/task`] = fmt(1e9 / (r.tasksPerSec[n] ?? 1));
      return row;
    }),
  );

  const { workers, tasks, runs } = plan.wallTime;
  const wall = await benchWallTime(workers, tasks, runs);
  console.log(
    `\nReal work: ${fmt(wall.tasks)} tasks of 1 ms (a timer) on ${fmt(wall.workers)} workers; wall time, best of ${wall.runs}.\n`,
  );
  const wallRow: Record<string, string> = {};
  for (const n of names) wallRow[`${n} ms`] = fmt(wall.wallMs[n] ?? 0);
  wallRow[`${SY} / ${PQ}`] = ratio(wall.wallMs[SY], wall.wallMs[PQ]);
  wallRow[`${SY} / ${GP}`] = ratio(wall.wallMs[SY], wall.wallMs[GP]);
  console.table([wallRow]);

  const heap = await benchHeap(plan.heapDepths);
  const perWorker = await benchWorkerHeap(plan.idleWorkers);
  console.log(
    '\nHeap per queued task (its record and the promise the caller keeps), nothing running; after gc().\n',
  );
  console.table(
    heap.map((h) => {
      const row: Record<string, string> = { queued: fmt(h.queued) };
      for (const n of names) row[`${n} B/task`] = fmt(h.bytesPerTask[n] ?? 0);
      return row;
    }),
  );
  console.log(
    `${SY} heap per idle worker (${fmt(plan.idleWorkers)} added): ${(perWorker / 1024).toFixed(2)} KB`,
  );

  console.log(
    '\nJournal (SQLite, WAL): time per item state change (pending → attempting → done), awaited one at a time, and the file size per item.\n',
  );
  const journal = await benchJournalChanges(plan.journalItems);
  console.table(
    journal.map((j) => ({
      synchronous: j.synchronous,
      changes: fmt(j.changes),
      'median µs': j.medianUs.toFixed(1),
      'p99 µs': j.p99Us.toFixed(1),
      'bytes/item': fmt(j.bytesPerItem),
    })),
  );
  const durable = await benchDurableBatch(plan.durableItems);
  console.log(
    `A batch of ${fmt(durable.items)} no-op tasks on 12 workers: pool.process ${fmt(durable.plainPerSec)} items/s; as a durable batch on SQLite (3 writes per item) ${fmt(durable.durablePerSec)} items/s.`,
  );

  const campaigns = await benchCampaignJournal(plan.campaignRecipients);
  console.log(
    `\nA Telegram campaign: ${fmt(campaigns.size)} recipients from a CSV file (recipientsFromFile) through 12 simulated sessions on virtual time, each run in a child process; the same send with the SQLite journal (a campaign) and without.\n`,
  );
  console.table(
    campaigns.runs.map((r) => ({
      journal: r.journal ? 'SQLite' : 'none',
      sent: fmt(r.result.sent),
      'wall s': (r.result.wallMs / 1000).toFixed(1),
      'recipients/s': fmt(r.result.total / (r.result.wallMs / 1000)),
      'peak RSS MB': fmt(r.result.peakRss / 2 ** 20),
      'journal B/recipient': r.journal ? fmt(r.result.journalBytes / r.result.total) : '–',
    })),
  );

  console.log(
    quick
      ? '\nGoals (QUICK run: smaller sizes and single runs, so a goal missed here may be met by the full run)\n'
      : '\nGoals\n',
  );
  console.table(
    checkGoals(throughput, heap, perWorker, wall, journal).map((g) => ({
      goal: g.goal,
      measured: g.measured,
      met: g.met ? 'yes' : 'NO',
    })),
  );

  console.log(
    '\nStrategy select cost: ns per pick; every candidate has 1–7 of 8 slots busy and a latency history (time-boxed, after a warm-up).\n',
  );
  const picks = await benchStrategies(plan.strategyCandidates, plan.strategyTimeBoxMs);
  const sizes = [...new Set(picks.map((r) => r.candidates))];
  const byStrategy = new Map<string, Record<string, string>>();
  for (const r of picks) {
    const row = byStrategy.get(r.strategy) ?? { strategy: r.strategy };
    row[`${fmt(r.candidates)} candidates`] = fmt(r.nsPerSelect);
    byStrategy.set(r.strategy, row);
  }
  console.table([...byStrategy.values()], ['strategy', ...sizes.map((n) => `${fmt(n)} candidates`)]);
  console.log(
    `\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s${quick ? ' (QUICK run; `pnpm bench` for the full one)' : ''}.`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
