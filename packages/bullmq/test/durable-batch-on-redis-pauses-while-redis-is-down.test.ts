import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { createPool, runDurableBatch, systemClock } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let server: RedisServer;
beforeEach(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await server?.dispose();
});

describe('a durable batch on a Redis journal', () => {
  it('pauses while Redis is down, goes on when it is back, and does each item once', async () => {
    const pool = createPool<string>({ strategy: createStrategy('least-loaded'), clock: systemClock });
    for (const id of ['w0', 'w1', 'w2']) pool.addWorker({ id, resource: id, capacity: 4 });
    const journal = new RedisJournal(server.url);
    /** Each item's effects, by idempotency key: a real service would apply each key once. */
    const effects = new Map<string, string[]>();
    const n = 200;
    let downAt: number | undefined;
    const effectTimes: number[] = [];
    // Items past the 60th start only once Redis is down, so some surely try to record their
    // attempt while it is (a loaded machine could otherwise finish the batch before the stop).
    let started = 0;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    try {
      const run = lastValueFrom(
        runDurableBatch(pool, {
          journal,
          batch: { id: 'orders', kind: 'test', content: { n } },
          source: Array.from({ length: n }, (_, i) => `item-${i}`),
          key: (item) => item,
          attemptData: () => randomUUID(),
          task: (item) => ({
            run: async (ctx) => {
              if (started++ >= 60) await gate;
              await ctx.recordAttempt();
              effects.set(item, [...(effects.get(item) ?? []), String(ctx.attemptData)]);
              effectTimes.push(Date.now());
              await sleep(2);
              return item;
            },
          }),
        }).pipe(toArray()),
      );
      while (effects.size < 40) await sleep(5);
      await server.stop();
      downAt = Date.now();
      openGate();
      const before = effects.size;
      await sleep(600);
      // Nothing new starts while its attempt cannot be recorded (a dozen may have been past it).
      expect(effects.size - before).toBeLessThanOrEqual(12);
      const during = effects.size;
      await sleep(300);
      expect(effects.size).toBe(during);
      await server.start();
      const outcomes = await run;
      expect(outcomes).toHaveLength(n);
      expect(outcomes.every((o) => o.state.state === 'done')).toBe(true);
      expect(effects.size).toBe(n);
      expect([...effects.values()].every((keys) => keys.length === 1)).toBe(true);
      expect(effectTimes.some((t) => t > (downAt as number) + 900)).toBe(true);
      expect(await journal.status('orders')).toMatchObject({ total: n, done: n, pending: 0, attempting: 0 });
    } finally {
      await pool.close();
      await journal.close();
    }
  }, 30_000);
});
