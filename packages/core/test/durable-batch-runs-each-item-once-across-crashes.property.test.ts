import {
  type DurableOutcome,
  type ItemState,
  type Journal,
  MemoryJournal,
  type OpenBatch,
  runDurableBatch,
} from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCarried, FailsAs, sleep, virtualPool } from './helpers.js';

/** A journal that also keeps, synchronously, the last state written for each item. */
function shadowed(inner: Journal, shadow: Map<string, ItemState>): Journal {
  return {
    ...inner,
    status: (id) => inner.status(id),
    list: () => inner.list(),
    spec: (id) => inner.spec(id),
    close: () => inner.close(),
    async open(spec) {
      const b = await inner.open(spec);
      const wrapped: OpenBatch = Object.create(b, {
        transition: {
          value: async (key: string, next: ItemState) => {
            const item = await b.transition(key, next);
            shadow.set(key, item.state);
            return item;
          },
        },
      });
      return wrapped;
    },
  };
}

type Fault = 'ok' | 'fail-before' | 'lost-answer' | 'permanent';

/**
 * A service that, like Telegram with `randomId`, applies a request once per idempotency key and
 * answers a repeat with DUPLICATE. It checks that every request it applies was recorded as
 * `attempting` with that worker and key first.
 */
class Service {
  readonly applied = new Map<string, Set<string>>();
  readonly seenKeys = new Set<string>();
  readonly unrecorded: string[] = [];
  constructor(readonly shadow: Map<string, ItemState>) {}
  apply(item: string, worker: string, idem: string): 'applied' | 'duplicate' {
    const rec = this.shadow.get(item);
    if (rec?.state !== 'attempting' || rec.worker !== worker || rec.attempt !== idem)
      this.unrecorded.push(item);
    if (this.seenKeys.has(idem)) return 'duplicate';
    this.seenKeys.add(idem);
    const set = this.applied.get(item) ?? new Set<string>();
    set.add(idem);
    this.applied.set(item, set);
    return 'applied';
  }
}

describe('a durable batch', () => {
  it('runs each item at most once, and finishes every item, across crashes at random instants and workers that do not come back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }),
        fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'fail-before', 'lost-answer', 'permanent'), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 60 }), lose: fc.boolean() }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (n, faults, crashes, workers) => {
          const shadow = new Map<string, ItemState>();
          const journal = shadowed(new MemoryJournal(), shadow);
          const service = new Service(shadow);
          const items = Array.from({ length: n }, (_, i) => `item-${i}`);
          let call = 0;
          let idem = 0;
          const alive = new Set(Array.from({ length: workers }, (_, i) => `w${i}`));
          const outcomes = new Map<string, DurableOutcome<string>>();

          const runOnce = async (crashAt: number | undefined) => {
            const { clock, pool } = virtualPool<null>({ classify: classifyCarried });
            for (const id of alive) pool.addWorker({ id, resource: null });
            let complete = false;
            const sub = runDurableBatch(pool, {
              journal,
              batch: { id: 'b', kind: 'test', content: { n } },
              source: items,
              key: (item) => item,
              attemptData: () => `k${idem++}`,
              highWaterMark: 4,
              task: (item) => ({
                idempotent: true,
                retry: { retries: 3, minTimeoutMs: 1, randomize: false },
                run: async (ctx) => {
                  const fault = faults[call++ % faults.length];
                  if (fault === 'fail-before') throw new FailsAs({ kind: 'transient' });
                  await ctx.recordAttempt();
                  const key = ctx.attemptData as string;
                  // A refusal (the recipient cannot be reached): answered before anything is applied,
                  // and never for a key already applied (a repeat is answered DUPLICATE first).
                  if (fault === 'permanent' && !service.seenKeys.has(key))
                    throw new FailsAs({ kind: 'permanent' });
                  const answer = service.apply(item, ctx.worker, key);
                  await sleep(clock, 3);
                  if (fault === 'lost-answer') throw new FailsAs({ kind: 'unknown-outcome' });
                  return answer;
                },
              }),
            }).subscribe({
              next: (o) => outcomes.set(o.key, o),
              complete: () => {
                complete = true;
              },
            });
            // The journal's writes are promises between the clock's timers: let them all settle.
            const settle = () => new Promise((resolve) => setImmediate(resolve));
            if (crashAt === undefined) {
              for (let i = 0; i < 10_000 && !complete; i++) {
                await clock.runAll();
                await settle();
              }
            } else {
              for (let t = 0; t < crashAt; t++) {
                await clock.advance(1);
                await settle();
              }
            }
            sub.unsubscribe();
            await pool.close({ drain: false });
            return complete;
          };

          for (const crash of crashes) {
            await runOnce(crash.at);
            if (crash.lose && alive.size > 1) alive.delete([...alive][0] as string);
          }
          expect(await runOnce(undefined)).toBe(true);

          // Nothing applied without its record, and nothing applied twice.
          expect(service.unrecorded).toEqual([]);
          for (const [, keys] of service.applied) expect(keys.size).toBe(1);
          // Every item is finished, and what the journal says matches what happened.
          const status = await journal.status('b');
          expect(status).toMatchObject({ total: n, pending: 0, attempting: 0, sourceDone: true });
          for (const item of items) {
            const state = outcomes.get(item)?.state;
            const applied = service.applied.has(item);
            expect(state?.state, item).toBeOneOf(['done', 'failed', 'unknown']);
            if (state?.state === 'done') expect(applied).toBe(true);
            if (state?.state === 'failed') expect(applied).toBe(false);
            if (state?.state === 'unknown') {
              expect(state.worker).toMatch(/^w\d$/);
              expect(state.attempt).toMatch(/^k\d+$/);
              expect(state.reason.length).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: Number(process.env.DURABLE_BATCH_RUNS ?? 150), seed: 0x10ca1 },
    );
  }, 120_000);
});
