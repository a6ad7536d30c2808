import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type QueueItem, type QueueJob, serveQueue } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { createPool, systemClock } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { afterAll, beforeAll } from 'vitest';

/** A suite's real Redis, a folder for execution logs, and its child processes (killed after the suite). */
export interface Testbed {
  readonly server: RedisServer;
  /** A fresh execution log file for the named queue. */
  log(queue: string): string;
  readonly children: ChildProcess[];
}

/** Starts a Redis and a log folder before the suite; kills leftover nodes and removes both after it. */
export function useTestbed(): Testbed {
  let server: RedisServer | undefined;
  let dir = '';
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    server = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'switchyard-queue-'));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the testbed starts before the suite');
      return server;
    },
    log: (queue) => join(dir, `${queue}.log`),
    children,
  };
}

/** `n` items of job name `work`. */
export const workItems = (n: number): QueueItem[] =>
  Array.from({ length: n }, (_, i) => ({ key: `item-${i}`, name: 'work', data: { i } }));

export interface NodeOptions {
  readonly url: string;
  readonly queue: string;
  readonly node: string;
  /** The shared file each task appends "<job id> <node> <taken>" to. */
  readonly log: string;
  readonly workers?: number;
  readonly capacity?: number;
  readonly taskMs?: number;
  /** Every worker of the node in backoff for a minute. */
  readonly backoff?: boolean;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

/** A consumer node in a process of its own (test/fixtures/consumerNode.mjs), resolved once it serves. */
export function startNode(o: NodeOptions, children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./fixtures/consumerNode.mjs', import.meta.url)),
      JSON.stringify({ workers: 2, capacity: 2, taskMs: 20, backoff: false, ...o }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`node ${o.node} exited (${code})`)));
  });
}

/** SIGTERM: the node closes its consumer and pool. Resolves with its exit code, or 'hung' if a handle kept it alive. */
export function stopNode(child: ChildProcess): Promise<number | null | 'hung'> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** The executions the tasks logged: job id → the nodes that ran it, in order. */
export function executions(log: string): Map<string, { node: string; taken: number }[]> {
  const out = new Map<string, { node: string; taken: number }[]>();
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {}
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [id = '', node = '', taken = ''] = line.split(' ');
    out.set(id, [...(out.get(id) ?? []), { node, taken: Number(taken) }]);
  }
  return out;
}

/**
 * Consumer nodes in this process: for each name a pool of two workers (capacity 2 each) serving
 * `queue`, whose `work` jobs run `work(job, node)`. `close()` closes every consumer, then its pool.
 */
export async function inProcessNodes(
  url: string,
  queue: string,
  names: readonly string[],
  work: (job: QueueJob, node: string) => Promise<unknown>,
): Promise<{ close(): Promise<void> }> {
  const nodes = await Promise.all(
    names.map(async (node) => {
      const pool = createPool<string>({ strategy: createStrategy('least-loaded'), clock: systemClock });
      for (const id of ['w0', 'w1']) pool.addWorker({ id: `${node}-${id}`, resource: id, capacity: 2 });
      const consumer = await serveQueue(pool, {
        queue,
        connection: url,
        pollIntervalMs: 50,
        handlers: { work: (job) => ({ run: () => work(job, node) }) },
      });
      return { pool, consumer };
    }),
  );
  return {
    async close() {
      for (const { consumer, pool } of nodes) {
        await consumer.close();
        await pool.close();
      }
    },
  };
}
