// Pool throughput, memory and real-work wall time: Switchyard beside p-queue and generic-pool.
import { createPool } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { type Contender, contenders, heapUsed, noop, oneMs, type Work } from './contenders.js';
import { type BenchPlan, FULL_PLAN } from './plan.js';

export const names = Object.values(contenders).map((c) => c.name);

export interface ThroughputRow {
  readonly workers: number;
  readonly queued: number;
  readonly runs: number;
  /** Best run of each library, by name. */
  readonly tasksPerSec: Readonly<Record<string, number>>;
}

export interface WallTimeRow {
  readonly workers: number;
  readonly tasks: number;
  readonly runs: number;
  /** Best run of each library, by name. */
  readonly wallMs: Readonly<Record<string, number>>;
}

export interface HeapRow {
  readonly queued: number;
  readonly bytesPerTask: Readonly<Record<string, number>>;
}

/**
 * Every library runs the same batch `runs` times, interleaved (the order rotates each round, so
 * none always follows the same one), so machine noise hits all alike. Returns each library's
 * shortest time in ms.
 */
async function bestTimes(
  runs: number,
  workers: number,
  tasks: number,
  work: Work,
): Promise<Record<string, number>> {
  const all = Object.values(contenders);
  const best: Record<string, number> = {};
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < all.length; k++) {
      const c = all[(r + k) % all.length] as Contender;
      const ms = await c.run(workers, tasks, work);
      best[c.name] = Math.min(best[c.name] ?? Number.POSITIVE_INFINITY, ms);
    }
  }
  return best;
}

export async function benchThroughput(
  plan: BenchPlan['throughput'] = FULL_PLAN.throughput,
): Promise<ThroughputRow[]> {
  // Warm every library up so none pays for JIT compilation in the measured runs.
  await bestTimes(2, 100, 20_000, noop);
  const rows: ThroughputRow[] = [];
  for (const { workers, queued, runs } of plan) {
    const best = await bestTimes(runs, workers, queued, noop);
    const tasksPerSec: Record<string, number> = {};
    for (const [name, ms] of Object.entries(best)) tasksPerSec[name] = queued / (ms / 1000);
    rows.push({ workers, queued, runs, tasksPerSec });
  }
  return rows;
}

/** 1 ms of real asynchronous work per task: does the pool's own cost show next to real work? */
export async function benchWallTime(workers = 1_000, tasks = 100_000, runs = 3): Promise<WallTimeRow> {
  return { workers, tasks, runs, wallMs: await bestTimes(runs, workers, tasks, oneMs) };
}

export async function benchHeap(depths: readonly number[] = [100_000, 1_000_000]): Promise<HeapRow[]> {
  const rows: HeapRow[] = [];
  for (const queued of depths) {
    const bytesPerTask: Record<string, number> = {};
    for (const c of Object.values(contenders)) bytesPerTask[c.name] = await c.heapPerQueued(queued);
    rows.push({ queued, bytesPerTask });
  }
  return rows;
}

/** Heap bytes per idle Switchyard worker (its actor, record, logger and index entries). */
export async function benchWorkerHeap(workers = 10_000): Promise<number> {
  const pool = createPool<null>({ strategy: roundRobin() });
  const ids = Array.from({ length: workers }, (_, i) => `w${i}`);
  const before = heapUsed();
  for (const id of ids) pool.addWorker({ id, resource: null });
  const after = heapUsed();
  await pool.close();
  return (after - before) / workers;
}
