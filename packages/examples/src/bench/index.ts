import { benchPool } from './pool.js';
import { benchStrategies } from './strategies.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(`Switchyard benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(
    '\nPool throughput: no-op tasks, workers of capacity 1, all tasks queued at once; best of several runs.',
  );
  console.log('p-queue runs the same tasks with concurrency = workers, interleaved in the same process.\n');
  const rows = await benchPool();
  console.table(
    rows.map((r) => ({
      workers: r.workers,
      queued: fmt(r.queued),
      'switchyard tasks/s': fmt(r.switchyardTasksPerSec),
      'p-queue tasks/s': fmt(r.pQueueTasksPerSec),
      'switchyard / p-queue': r.ratio.toFixed(2),
      'switchyard heap B/task': fmt(r.switchyardHeapBytesPerTask),
      'p-queue heap B/task': fmt(r.pQueueHeapBytesPerTask),
    })),
  );

  console.log(
    '\nStrategy select cost: ns per pick; every candidate has 1–7 of 8 slots busy and a latency history (time-boxed, after a warm-up).\n',
  );
  const picks = await benchStrategies();
  const sizes = [...new Set(picks.map((r) => r.candidates))];
  const byStrategy = new Map<string, Record<string, string>>();
  for (const r of picks) {
    const row = byStrategy.get(r.strategy) ?? { strategy: r.strategy };
    row[`${fmt(r.candidates)} candidates`] = fmt(r.nsPerSelect);
    byStrategy.set(r.strategy, row);
  }
  console.table([...byStrategy.values()], ['strategy', ...sizes.map((n) => `${fmt(n)} candidates`)]);
}

await main();
