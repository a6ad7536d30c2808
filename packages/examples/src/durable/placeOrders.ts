import { randomUUID } from 'node:crypto';
import {
  AttemptTimeoutError,
  createPool,
  type DurableOutcome,
  type Failure,
  runDurableBatch,
  systemClock,
} from '@switchyard/core';
import { SqliteJournal } from '@switchyard/core/sqlite';
import { createStrategy } from '@switchyard/strategies';
import { lastValueFrom, tap, toArray } from 'rxjs';

/** An answer that says the request was refused before anything was done: safe to retry anywhere. */
class Refused extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** 503 and 429 were refused before anything was done; a cut connection leaves the outcome unknown. */
export function classifyHttp(error: unknown): Failure {
  if (error instanceof Refused) {
    return error.status === 503 || error.status === 429 ? { kind: 'transient' } : { kind: 'permanent' };
  }
  if (error instanceof AttemptTimeoutError) return { kind: 'unknown-outcome' };
  // fetch() rejects with a TypeError when the connection fails or is cut: the request may have
  // been carried out.
  if (error instanceof TypeError) return { kind: 'unknown-outcome' };
  return { kind: 'permanent' };
}

export interface PlaceOrdersOptions {
  /** One worker per upstream URL. */
  readonly urls: readonly string[];
  /** The journal file (SQLite). */
  readonly journal: string;
  readonly orders: number;
  /** Kill this process (SIGKILL) after this many orders are finished, as a crash would. */
  readonly crashAfter?: number;
  readonly onOutcome?: (outcome: DurableOutcome<unknown>) => void;
}

/**
 * Place `orders` orders through a pool of upstreams as one durable batch. Each request carries an
 * idempotency key recorded in the journal before it leaves; run again after a crash, the batch
 * goes on from the journal: finished orders are not sent again, and an order whose request may
 * have gone out is retried only on the same upstream with the same key.
 */
export async function placeOrders(options: PlaceOrdersOptions): Promise<DurableOutcome<unknown>[]> {
  const pool = createPool<string>({
    strategy: createStrategy('least-loaded'),
    clock: systemClock,
    classify: classifyHttp,
    retry: { retries: 5, minTimeoutMs: 5, maxTimeoutMs: 100 },
  });
  options.urls.forEach((url, i) => {
    pool.addWorker({ id: `upstream-${i}`, resource: url, capacity: 8 });
  });
  const journal = new SqliteJournal(options.journal);
  let finished = 0;
  function* orders() {
    for (let i = 0; i < options.orders; i++) yield { id: `order-${String(i).padStart(6, '0')}` };
  }
  try {
    return await lastValueFrom(
      runDurableBatch(pool, {
        journal,
        batch: { id: 'orders', kind: 'http-post', content: { orders: options.orders } },
        source: orders(),
        key: (order) => order.id,
        attemptData: () => randomUUID(),
        highWaterMark: 64,
        task: (order) => ({
          idempotent: true,
          attemptTimeoutMs: 10_000,
          run: async (ctx) => {
            await ctx.recordAttempt();
            const res = await fetch(`${ctx.resource}/orders/${order.id}`, {
              method: 'POST',
              headers: { 'idempotency-key': String(ctx.attemptData) },
              signal: ctx.signal,
            });
            if (!res.ok) {
              await res.body?.cancel();
              throw new Refused(res.status);
            }
            return (await res.json()) as unknown;
          },
        }),
      }).pipe(
        tap((outcome) => {
          options.onOutcome?.(outcome);
          if (!outcome.fromJournal) finished++;
          if (options.crashAfter !== undefined && finished >= options.crashAfter)
            process.kill(process.pid, 'SIGKILL');
        }),
        toArray(),
      ),
    );
  } finally {
    await pool.close();
    await journal.close();
  }
}
