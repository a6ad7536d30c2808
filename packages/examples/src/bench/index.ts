import { benchPool } from './pool.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(`Switchyard benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(
    '\nPool throughput: no-op tasks, workers of capacity 1, all tasks queued at once; best of several runs.',
  );
  console.log('p-queue runs the same tasks with concurrency = workers, interleaved in the same process.\n');
  const rows = await benchPool();
  const table = rows.map((r) => ({
    workers: r.workers,
    queued: fmt(r.queued),
    'switchyard tasks/s': fmt(r.switchyardTasksPerSec),
    'p-queue tasks/s': fmt(r.pQueueTasksPerSec),
    'switchyard / p-queue': r.ratio.toFixed(2),
    'switchyard heap B/task': fmt(r.switchyardHeapBytesPerTask),
    'p-queue heap B/task': fmt(r.pQueueHeapBytesPerTask),
  }));
  console.table(table);
}

await main();
