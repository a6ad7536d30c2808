// The three libraries measured side by side, each asked to do the same thing: run a batch of
// tasks on N workers that each take one task at a time, and hold a deep queue of waiting tasks.
import { createPool } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';
import { createPool as createResourcePool } from 'generic-pool';
import PQueue from 'p-queue';

export type Work = () => Promise<void>;

export interface Contender {
  readonly name: string;
  /** Milliseconds to run `tasks` tasks of `work`, all submitted at once, on `workers` workers (set-up not timed). */
  run(workers: number, tasks: number, work: Work): Promise<number>;
  /** Heap bytes held per queued task (its record and the promise the caller keeps), nothing running. */
  heapPerQueued(queued: number): Promise<number>;
}

export const noop: Work = () => Promise.resolve();

/** Real asynchronous work: a 1 ms timer. */
export const oneMs: Work = () => new Promise((resolve) => setTimeout(resolve, 1));

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run the benchmark with node --expose-gc (pnpm bench does)');
  g();
  g();
}

export function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Time submitting `tasks` tasks and waiting for all of them. The heap is collected first, so that
 * no library's timed run pays for promoting what its set-up (workers, resources) allocated.
 */
async function timed(tasks: number, submit: () => Promise<void>): Promise<number> {
  const all: Promise<void>[] = new Array(tasks);
  gc();
  const started = performance.now();
  for (let i = 0; i < tasks; i++) all[i] = submit();
  await Promise.all(all);
  return performance.now() - started;
}

/** Queue `queued` tasks that cannot start, measure the heap they hold, then let them drain. */
async function heldPerTask(
  queued: number,
  submit: () => Promise<void>,
  release: () => void,
): Promise<number> {
  const before = heapUsed();
  const held: Promise<void>[] = new Array(queued);
  for (let i = 0; i < queued; i++) held[i] = submit();
  const after = heapUsed();
  release();
  await Promise.all(held);
  return (after - before) / queued;
}

const switchyard: Contender = {
  name: 'Switchyard',
  async run(workers, tasks, work) {
    const pool = createPool<null>({ strategy: roundRobin() });
    for (let i = 0; i < workers; i++) pool.addWorker({ id: `w${i}`, resource: null });
    const ms = await timed(tasks, () => pool.submit({ run: work }));
    await pool.close();
    return ms;
  },
  async heapPerQueued(queued) {
    // No worker yet, so every task waits in the queue.
    const pool = createPool<null>({ strategy: roundRobin() });
    const bytes = await heldPerTask(
      queued,
      () => pool.submit({ run: noop }),
      () => pool.addWorker({ id: 'drain', resource: null, capacity: 1000 }),
    );
    await pool.close();
    return bytes;
  },
};

const pQueue: Contender = {
  name: 'p-queue',
  async run(workers, tasks, work) {
    const queue = new PQueue({ concurrency: workers });
    return timed(tasks, () => queue.add(work));
  },
  async heapPerQueued(queued) {
    const queue = new PQueue({ concurrency: 1, autoStart: false });
    return heldPerTask(
      queued,
      () => queue.add(noop),
      () => {
        queue.concurrency = 1000;
        queue.start();
      },
    );
  },
};

/** generic-pool is a resource pool: N workers are N resources, and a task is acquire → run → release (`use`). */
function resourcePool(workers: number) {
  return createResourcePool(
    { create: async () => ({}), destroy: async () => {} },
    { max: workers, min: workers },
  );
}

const genericPool: Contender = {
  name: 'generic-pool',
  async run(workers, tasks, work) {
    const pool = resourcePool(workers);
    await pool.ready();
    const ms = await timed(tasks, () => pool.use(work));
    await pool.drain();
    await pool.clear();
    return ms;
  },
  async heapPerQueued(queued) {
    // Its one resource is taken, so every task waits for it.
    const pool = resourcePool(1);
    await pool.ready();
    const taken = await pool.acquire();
    const bytes = await heldPerTask(
      queued,
      () => pool.use(noop),
      () => void pool.release(taken),
    );
    await pool.drain();
    await pool.clear();
    return bytes;
  },
};

export const contenders = { switchyard, pQueue, genericPool } as const;
