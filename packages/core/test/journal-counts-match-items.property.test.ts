import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ItemState, type Journal, JournalTransitionError, MemoryJournal } from '@switchyard/core';
import { SqliteJournal } from '@switchyard/core/sqlite';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const keys = ['a', 'b', 'c', 'd', 'e'];

const stateArb: fc.Arbitrary<ItemState> = fc.oneof(
  fc.constant<ItemState>({ state: 'pending' }),
  fc
    .record({ worker: fc.constantFrom('w1', 'w2'), id: fc.constantFrom('1', '2') })
    .map(({ worker, id }): ItemState => ({ state: 'attempting', worker, attempt: { randomId: id } })),
  fc.constant<ItemState>({ state: 'done', result: { ok: true } }),
  fc.constant<ItemState>({ state: 'failed', reason: 'PEER_FLOOD' }),
  fc.constant<ItemState>({ state: 'skipped', reason: 'invalid' }),
  fc.constantFrom('w1', 'w2').map(
    (worker): ItemState => ({
      state: 'unknown',
      reason: 'UNKNOWN_OUTCOME',
      worker,
      attempt: { randomId: '1' },
    }),
  ),
);

type Step = { readonly add: string[] } | { readonly key: string; readonly to: ItemState };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ add: fc.subarray(keys, { minLength: 1 }) }),
  fc.record({ key: fc.constantFrom(...keys), to: stateArb }),
);

/**
 * After every step of random adds and transitions (allowed or refused), a batch's status counts
 * what its items hold, on both journals; a refused transition changes nothing.
 */
async function countsMatchItems(journal: Journal, steps: readonly Step[]): Promise<void> {
  const b = await journal.open({ id: 'p', kind: 'prop', content: null });
  const added = new Set<string>();
  for (const step of steps) {
    if ('add' in step) {
      await b.add(step.add.map((key) => ({ key, payload: key })));
      for (const k of step.add) added.add(k);
    } else if (added.has(step.key)) {
      const before = await b.get(step.key);
      try {
        await b.transition(step.key, step.to);
      } catch (error) {
        expect(error).toBeInstanceOf(JournalTransitionError);
        expect(await b.get(step.key)).toEqual(before);
      }
    }
    const items = await b.items();
    const status = await b.status();
    const count = (name: ItemState['state']) => items.filter((i) => i.state.state === name).length;
    expect(status).toMatchObject({
      total: items.length,
      pending: count('pending'),
      attempting: count('attempting'),
      done: count('done'),
      failed: count('failed'),
      skipped: count('skipped'),
      unknown: count('unknown'),
    });
  }
  await b.release();
}

describe('a batch status', () => {
  it('counts what the items hold after every change, on SQLite and in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-counts-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
          const sqlite = new SqliteJournal(join(dir, `j${run++}.sqlite`));
          try {
            await countsMatchItems(sqlite, steps);
          } finally {
            await sqlite.close();
          }
          await countsMatchItems(new MemoryJournal(), steps);
        }),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
