import { createPool } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import PQueue from 'p-queue';

export interface PoolBenchRow {
  workers: number;
  queued: number;
  switchyardTasksPerSec: number;
  pQueueTasksPerSec: number;
  ratio: number;
  switchyardHeapBytesPerTask: number;
  pQueueHeapBytesPerTask: number;
}

const noop = () => Promise.resolve();

/** Run `queued` no-op tasks through a Switchyard pool of `workers` workers of capacity 1. */
async function switchyardRate(workers: number, queued: number): Promise<number> {
  const pool = createPool<null>({ strategy: roundRobin() });
  for (let i = 0; i < workers; i++) pool.addWorker({ id: `w${i}`, resource: null });
  const started = performance.now();
  const all: Promise<void>[] = new Array(queued);
  for (let i = 0; i < queued; i++) all[i] = pool.submit({ run: noop });
  await Promise.all(all);
  const elapsed = performance.now() - started;
  await pool.close();
  return queued / (elapsed / 1000);
}

/** The same work through p-queue with the same concurrency. */
async function pQueueRate(workers: number, queued: number): Promise<number> {
  const queue = new PQueue({ concurrency: workers });
  const started = performance.now();
  const all: Promise<void>[] = new Array(queued);
  for (let i = 0; i < queued; i++) all[i] = queue.add(noop);
  await Promise.all(all);
  const elapsed = performance.now() - started;
  return queued / (elapsed / 1000);
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run the benchmark with node --expose-gc (pnpm bench does)');
  g();
  g();
}

/** Heap held per queued task (its record and the promise the caller keeps), nothing running. */
async function switchyardHeap(queued: number): Promise<number> {
  const pool = createPool<null>({ strategy: roundRobin() });
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: Promise<void>[] = new Array(queued);
  for (let i = 0; i < queued; i++) held[i] = pool.submit({ run: noop });
  gc();
  const after = process.memoryUsage().heapUsed;
  pool.addWorker({ id: 'drain', resource: null, capacity: 1000 });
  await Promise.all(held);
  await pool.close();
  return (after - before) / queued;
}

async function pQueueHeap(queued: number): Promise<number> {
  const queue = new PQueue({ concurrency: 1, autoStart: false });
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: Promise<void>[] = new Array(queued);
  for (let i = 0; i < queued; i++) held[i] = queue.add(noop);
  gc();
  const after = process.memoryUsage().heapUsed;
  queue.concurrency = 1000;
  queue.start();
  await Promise.all(held);
  return (after - before) / queued;
}

async function best(times: number, f: () => Promise<number>): Promise<number> {
  let top = 0;
  for (let i = 0; i < times; i++) top = Math.max(top, await f());
  return top;
}

export async function benchPool(): Promise<PoolBenchRow[]> {
  const rows: PoolBenchRow[] = [];
  // Warm both up so neither pays for JIT compilation in the measured runs.
  await switchyardRate(100, 20_000);
  await pQueueRate(100, 20_000);
  for (const workers of [10, 1000]) {
    for (const queued of [1000, 100_000]) {
      const repeats = queued === 1000 ? 30 : 6;
      // Interleave the two so machine noise hits both alike.
      let s = 0;
      let p = 0;
      for (let r = 0; r < repeats; r++) {
        s = Math.max(s, await switchyardRate(workers, queued));
        p = Math.max(p, await pQueueRate(workers, queued));
      }
      const sh = await switchyardHeap(queued);
      const ph = await pQueueHeap(queued);
      rows.push({
        workers,
        queued,
        switchyardTasksPerSec: s,
        pQueueTasksPerSec: p,
        ratio: s / p,
        switchyardHeapBytesPerTask: sh,
        pQueueHeapBytesPerTask: ph,
      });
    }
  }
  return rows;
}

export { best };
