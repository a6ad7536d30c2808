// The journal's cost: each state change on the SQLite journal, and a durable batch against the
// same batch run without a journal, in one run.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Journal, runDurableBatch, systemClock } from '@switchyard/core';
import { SqliteJournal } from '@switchyard/core/sqlite';
import { createStrategy } from '@switchyard/strategies';
import { lastValueFrom } from 'rxjs';

export interface JournalCostRow {
  readonly synchronous: 'normal' | 'full';
  readonly changes: number;
  readonly medianUs: number;
  readonly p99Us: number;
  /** Journal file size (with its WAL) per item, in bytes. */
  readonly bytesPerItem: number;
}

export interface DurableBatchRow {
  readonly items: number;
  readonly plainPerSec: number;
  readonly durablePerSec: number;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** A SQLite file and its WAL, in bytes. */
export function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {}
  }
  return n;
}

/** Time each state change (pending → attempting → done) of `items` items, one at a time. */
export async function benchJournalChanges(items = 5_000): Promise<JournalCostRow[]> {
  const rows: JournalCostRow[] = [];
  for (const synchronous of ['normal', 'full'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
    const path = join(dir, 'j.sqlite');
    const journal = new SqliteJournal({ path, synchronous });
    const n = synchronous === 'full' ? Math.min(items, 1_000) : items;
    try {
      const b = await journal.open({ id: 'bench', kind: 'bench', content: null });
      await b.add(Array.from({ length: n }, (_, i) => ({ key: `user-${i}`, payload: `@user_${i}` })));
      const us: number[] = [];
      for (let i = 0; i < n; i++) {
        const key = `user-${i}`;
        let t = performance.now();
        await b.transition(key, { state: 'attempting', worker: 's1', attempt: { randomId: `${1e15 + i}` } });
        us.push((performance.now() - t) * 1000);
        t = performance.now();
        await b.transition(key, { state: 'done', result: { messageId: i } });
        us.push((performance.now() - t) * 1000);
      }
      us.sort((a, c) => a - c);
      rows.push({
        synchronous,
        changes: us.length,
        medianUs: quantile(us, 0.5),
        p99Us: quantile(us, 0.99),
        bytesPerItem: fileBytes(path) / n,
      });
    } finally {
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

async function batchRate(items: number, journal: Journal | undefined): Promise<number> {
  const pool = createPool<null>({ strategy: createStrategy('round-robin'), clock: systemClock });
  for (let i = 0; i < 12; i++) pool.addWorker({ id: `s${i}`, resource: null, capacity: 4 });
  function* source() {
    for (let i = 0; i < items; i++) yield i;
  }
  const t = performance.now();
  if (journal === undefined) {
    await lastValueFrom(
      pool.process(
        (function* () {
          for (const i of source()) yield { run: () => i };
        })(),
        { highWaterMark: 256 },
      ),
      { defaultValue: undefined },
    );
  } else {
    await lastValueFrom(
      runDurableBatch(pool, {
        journal,
        batch: { id: `bench-${items}`, kind: 'bench', content: null },
        source: source(),
        key: (i) => `user-${i}`,
        attemptData: (i) => i,
        highWaterMark: 256,
        task: (i) => ({
          run: async (ctx) => {
            await ctx.recordAttempt();
            return i;
          },
        }),
      }),
      { defaultValue: undefined },
    );
  }
  const ms = performance.now() - t;
  await pool.close();
  return (items / ms) * 1000;
}

/** The same batch of no-op tasks on 12 workers: `pool.process` alone, then as a durable batch on SQLite. */
export async function benchDurableBatch(items = 20_000): Promise<DurableBatchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const journal = new SqliteJournal(join(dir, 'j.sqlite'));
  try {
    await batchRate(1_000, undefined);
    const plainPerSec = await batchRate(items, undefined);
    const durablePerSec = await batchRate(items, journal);
    return { items, plainPerSec, durablePerSec };
  } finally {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
