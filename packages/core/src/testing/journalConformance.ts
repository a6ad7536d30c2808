import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  JournalLeaseError,
  JournalMismatchError,
  JournalTransitionError,
  ValidationError,
} from '../errors.js';
import type { ItemState, ItemStateName, Journal, OpenBatch } from '../journal/types.js';

/** A place journals keep their batches in (a file, a Redis database, memory), fresh for each test. */
export interface JournalStore {
  /**
   * A new journal on this store, with the suite's clock. When the suite's `shared` option is
   * true, every journal the store makes sees the same batches.
   */
  journal(options: { readonly now: () => number }): Journal | Promise<Journal>;
  /** Frees the store after its test, once the suite has closed every journal it made. */
  dispose?(): void | Promise<void>;
}

export interface JournalConformanceOptions {
  /**
   * Whether two journals of one store see the same batches (a file, a Redis; not memory). When
   * true the suite also resumes a batch from a second journal and checks leases between journals.
   */
  readonly shared: boolean;
  /** fast-check runs of the property that counts match items. Default 40. */
  readonly numRuns?: number;
}

const spec = { id: 'spring-sale', kind: 'send-text', content: { text: 'hi', sessions: ['a', 'b'] } };

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

const KEYS = ['a', 'b', 'c', 'd', 'e'];
type Step = { readonly add: string[] } | { readonly key: string; readonly to: ItemState };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ add: fc.subarray(KEYS, { minLength: 1 }) }),
  fc.record({ key: fc.constantFrom(...KEYS), to: stateArb }),
);

/** A batch's status counts exactly what its items hold. */
async function expectCountsMatchItems(b: OpenBatch): Promise<void> {
  const items = await b.items();
  const count = (name: ItemStateName) => items.filter((i) => i.state.state === name).length;
  expect(await b.status()).toMatchObject({
    total: items.length,
    pending: count('pending'),
    attempting: count('attempting'),
    done: count('done'),
    failed: count('failed'),
    skipped: count('skipped'),
    unknown: count('unknown'),
  });
}

/**
 * Vitest suite every `Journal` must pass, whatever it stores in: batches kept and resumed with
 * the same work only, `add` idempotent for known keys, the transition rules (also when two
 * writers race), counts that match items, cursors, `list` oldest first, leases, and bad input
 * refused by field name. Call it at the top level of a test file.
 *
 * @example
 * describeJournalConformance('MemoryJournal', () => ({ journal: ({ now }) => new MemoryJournal({ now }) }), {
 *   shared: false,
 * });
 */
export function describeJournalConformance(
  name: string,
  makeStore: () => JournalStore | Promise<JournalStore>,
  options: JournalConformanceOptions,
): void {
  let store: JournalStore;
  let time = 1_000;
  const made: Journal[] = [];
  const now = () => time;
  const journal = async (): Promise<Journal> => {
    const j = await store.journal({ now });
    made.push(j);
    return j;
  };
  /** The journal to resume in after `first` let its batch go: another one when the store is shared. */
  const resumeIn = async (first: Journal): Promise<Journal> => {
    if (!options.shared) return first;
    await first.close();
    return journal();
  };

  describe(`${name} passes the journal conformance suite`, () => {
    beforeEach(async () => {
      time = 1_000;
      store = await makeStore();
    });
    afterEach(async () => {
      for (const j of made.splice(0)) await j.close();
      await store.dispose?.();
    });

    it('gives back every item, state, cursor and status when a batch is resumed', async () => {
      const first = await journal();
      const b = await first.open(spec);
      expect(b.created).toBe(true);
      await b.add([
        { key: 'alice', payload: '@alice' },
        { key: 'bob', payload: { user: 'bob', n: [1, 2] } },
        { key: 'carol', payload: null },
      ]);
      time = 2_000;
      await b.transition('alice', { state: 'attempting', worker: 'a', attempt: { randomId: '17' } });
      await b.transition('alice', { state: 'done', result: { messageId: 5 } });
      await b.transition('bob', { state: 'attempting', worker: 'b', attempt: { randomId: '18' } });
      await b.setCursor('source', { read: 3 });
      await b.setCursor('source', { read: 4 });
      await b.release();

      const second = await resumeIn(first);
      const again = await second.open({ ...spec, content: { sessions: ['a', 'b'], text: 'hi' } });
      expect(again.created).toBe(false);
      expect(again.content).toEqual(spec.content);
      expect(await again.items()).toEqual([
        {
          seq: 0,
          key: 'alice',
          payload: '@alice',
          state: { state: 'done', result: { messageId: 5 } },
          updatedAt: 2_000,
        },
        {
          seq: 1,
          key: 'bob',
          payload: { user: 'bob', n: [1, 2] },
          state: { state: 'attempting', worker: 'b', attempt: { randomId: '18' } },
          updatedAt: 2_000,
        },
        { seq: 2, key: 'carol', payload: null, state: { state: 'pending' }, updatedAt: 1_000 },
      ]);
      expect(await again.get('bob')).toMatchObject({ seq: 1, payload: { n: [1, 2], user: 'bob' } });
      expect(await again.get('dave')).toBeUndefined();
      expect(await again.cursor('source')).toEqual({ read: 4 });
      expect(await again.cursor('other')).toBeUndefined();
      const status = {
        id: 'spring-sale',
        kind: 'send-text',
        total: 3,
        pending: 1,
        attempting: 1,
        done: 1,
        failed: 0,
        skipped: 0,
        unknown: 0,
        sourceDone: false,
        startedAt: 1_000,
        updatedAt: 2_000,
      };
      expect(await again.status()).toEqual(status);
      expect(await second.status(spec.id)).toEqual(status);
      expect(await second.status('nope')).toBeUndefined();
      expect(await second.spec(spec.id)).toEqual(spec);
      expect(await second.spec('nope')).toBeUndefined();
      time = 3_000;
      await again.markSourceDone();
      expect(await second.status(spec.id)).toMatchObject({ sourceDone: true, updatedAt: 3_000 });
    });

    it('lists every batch oldest first, by creation time and then by id', async () => {
      const j = await journal();
      for (const [id, at] of [
        ['b', 5_000],
        ['c', 1_000],
        ['a', 5_000],
      ] as const) {
        time = at;
        await (await j.open({ id, kind: 'k', content: null })).release();
      }
      expect((await j.list()).map((s) => [s.id, s.startedAt, s.total])).toEqual([
        ['c', 1_000, 0],
        ['a', 5_000, 0],
        ['b', 5_000, 0],
      ]);
    });

    it('records a source read again once: known keys keep their state and position, a changed payload records nothing', async () => {
      const b = await (await journal()).open(spec);
      await b.add([{ key: 'alice', payload: 1 }]);
      await b.transition('alice', { state: 'skipped', reason: 'duplicate' });
      const again = await b.add([
        { key: 'alice', payload: 1 },
        { key: 'bob', payload: 2 },
        { key: 'bob', payload: 2 },
      ]);
      expect(again.map((i) => [i.seq, i.key, i.state.state])).toEqual([
        [0, 'alice', 'skipped'],
        [1, 'bob', 'pending'],
        [1, 'bob', 'pending'],
      ]);
      await expect(
        b.add([
          { key: 'carol', payload: 3 },
          { key: 'alice', payload: 9 },
        ]),
      ).rejects.toThrow(JournalMismatchError);
      await expect(
        b.add([
          { key: 'dave', payload: 3 },
          { key: 'dave', payload: 4 },
        ]),
      ).rejects.toThrow(/item "dave" was recorded with another payload/);
      expect(await b.get('carol')).toBeUndefined();
      expect(await b.get('dave')).toBeUndefined();
      expect(await b.status()).toMatchObject({ total: 2, pending: 1, skipped: 1 });
      expect(await b.add([])).toEqual([]);
    });

    it('records concurrent adds (as a durable batch makes them, one per item) each once, at positions of their own', async () => {
      const b = await (await journal()).open(spec);
      // 200 distinct keys, every tenth also added by a second call at the same time.
      const keys = Array.from({ length: 200 }, (_, i) => `c${i}`);
      const calls = [...keys, ...keys.filter((_, i) => i % 10 === 0)];
      const added = await Promise.all(calls.map((key) => b.add([{ key, payload: key }])));
      const seqs = new Map<string, number>();
      for (const [item] of added) {
        expect(item).toBeDefined();
        if (item === undefined) continue;
        expect(seqs.get(item.key) ?? item.seq).toBe(item.seq);
        seqs.set(item.key, item.seq);
      }
      expect([...seqs.values()].sort((x, y) => x - y)).toEqual([...Array(200).keys()]);
      const items = await b.items();
      expect(items.map((i) => [i.seq, i.key])).toEqual(
        [...seqs].map(([k, s]) => [s, k]).sort((x, y) => Number(x[0]) - Number(y[0])),
      );
      expect(await b.status()).toMatchObject({ total: 200, pending: 200 });
    });

    it('gives items in order from a position, at most a limit', async () => {
      const b = await (await journal()).open(spec);
      await b.add(Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, payload: i })));
      expect((await b.items({ fromSeq: 2, limit: 3 })).map((i) => i.key)).toEqual(['k2', 'k3', 'k4']);
      expect((await b.items({ fromSeq: 5 })).map((i) => i.seq)).toEqual([5, 6]);
      expect(await b.items({ fromSeq: 7 })).toEqual([]);
      expect((await b.items({ limit: 1 })).map((i) => i.key)).toEqual(['k0']);
    });

    it('refuses to change a final state, and to retry an unknown outcome anywhere but on its worker with its data', async () => {
      const b = await (await journal()).open(spec);
      await b.add([
        { key: 'x', payload: 0 },
        { key: 'y', payload: 0 },
      ]);
      await b.transition('x', { state: 'failed', reason: 'blocked', code: 'USER_IS_BLOCKED' });
      // The same final state again, keys in another order: allowed, and changes nothing.
      time = 9_000;
      const same = await b.transition('x', { state: 'failed', code: 'USER_IS_BLOCKED', reason: 'blocked' });
      expect(same.updatedAt).toBe(1_000);
      await expect(b.transition('x', { state: 'pending' })).rejects.toThrow(JournalTransitionError);
      await expect(b.transition('x', { state: 'done', result: null })).rejects.toThrow(/failed is final/);
      await b.transition('y', { state: 'unknown', reason: 'its worker is gone', worker: 'a', attempt: 7 });
      await expect(b.transition('y', { state: 'attempting', worker: 'b', attempt: 7 })).rejects.toThrow(
        /only its worker "a"/,
      );
      await expect(b.transition('y', { state: 'attempting', worker: 'a', attempt: 8 })).rejects.toThrow(
        /reuse the recorded attempt/,
      );
      await expect(b.transition('y', { state: 'pending' })).rejects.toThrow(JournalTransitionError);
      await b.transition('y', { state: 'attempting', worker: 'a', attempt: 7 });
      expect((await b.get('y'))?.state).toEqual({ state: 'attempting', worker: 'a', attempt: 7 });
      expect(await b.status()).toMatchObject({ failed: 1, attempting: 1, unknown: 0, updatedAt: 9_000 });
    });

    it('lets only one of two racing writers make an item final', async () => {
      const b = await (await journal()).open(spec);
      const keys = Array.from({ length: 20 }, (_, i) => `r${i}`);
      await b.add(keys.map((key) => ({ key, payload: key })));
      for (const key of keys) await b.transition(key, { state: 'attempting', worker: 'w', attempt: key });
      const outcomes = await Promise.allSettled(
        keys.flatMap((key) => [
          b.transition(key, { state: 'done', result: key }),
          b.transition(key, { state: 'failed', reason: key }),
        ]),
      );
      for (let i = 0; i < keys.length; i++) {
        const pair = [outcomes[2 * i], outcomes[2 * i + 1]];
        expect(pair.filter((o) => o?.status === 'fulfilled')).toHaveLength(1);
        const refused = pair.find((o) => o?.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(JournalTransitionError);
      }
      const status = await b.status();
      expect(status.done + status.failed).toBe(keys.length);
      expect(status.attempting).toBe(0);
      await expectCountsMatchItems(b);
    });

    it('claims a cursor once: of racing claims one sets it, and every claim gets the value it holds', async () => {
      const b = await (await journal()).open(spec);
      const names = Array.from({ length: 20 }, (_, i) => `peer:${i}`);
      const held = await Promise.all(
        names.flatMap((name) => [b.claimCursor(name, `${name}/a`), b.claimCursor(name, `${name}/b`)]),
      );
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        expect([`${name}/a`, `${name}/b`]).toContain(held[2 * i]);
        expect(held[2 * i + 1]).toBe(held[2 * i]);
        expect(await b.cursor(name)).toBe(held[2 * i]);
        expect(await b.claimCursor(name, 'later')).toBe(held[2 * i]);
      }
      expect(await b.claimCursor('fresh', { n: 1 })).toEqual({ n: 1 });
      await expect(b.claimCursor('bad', undefined as unknown as null)).rejects.toThrow(
        /cursor: must be JSON/,
      );
      expect(await b.cursor('bad')).toBeUndefined();
    });

    it('moves an item only from the state a writer expects, so of two writers starting it one wins', async () => {
      const b = await (await journal()).open(spec);
      const keys = Array.from({ length: 20 }, (_, i) => `r${i}`);
      await b.add(keys.map((key) => ({ key, payload: key })));
      const expect_ = { expect: { state: 'pending' } } as const;
      const outcomes = await Promise.allSettled(
        keys.flatMap((key) => [
          b.transition(key, { state: 'attempting', worker: 'a', attempt: 1 }, expect_),
          b.transition(key, { state: 'attempting', worker: 'b', attempt: 2 }, expect_),
        ]),
      );
      for (let i = 0; i < keys.length; i++) {
        const pair = [outcomes[2 * i], outcomes[2 * i + 1]];
        expect(pair.filter((o) => o?.status === 'fulfilled')).toHaveLength(1);
        const refused = pair.find((o) => o?.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(JournalTransitionError);
      }
      expect(await b.status()).toMatchObject({ attempting: keys.length, pending: 0 });
      // The expected state is compared whole: another worker's attempt is not the one expected.
      await expect(
        b.transition(
          'r0',
          { state: 'done', result: 1 },
          { expect: { state: 'attempting', worker: 'c', attempt: 1 } },
        ),
      ).rejects.toThrow(JournalTransitionError);
      await expectCountsMatchItems(b);
    });

    it('resumes only the same work: another kind or other content is refused', async () => {
      const j = await journal();
      await (await j.open(spec)).release();
      await expect(j.open({ ...spec, content: { text: 'other' } })).rejects.toThrow(JournalMismatchError);
      await expect(j.open({ ...spec, kind: 'scrape' })).rejects.toThrow(
        /it is a send-text batch, not scrape/,
      );
      expect((await j.list()).map((s) => s.id)).toEqual([spec.id]);
      const same = await j.open(spec);
      expect(same.created).toBe(false);
    });

    it('leases a batch to one open at a time, until it is released', async () => {
      const one = await journal();
      const b = await one.open(spec);
      await expect(one.open(spec)).rejects.toThrow(JournalLeaseError);
      if (options.shared) {
        const two = await journal();
        await expect(two.open(spec)).rejects.toThrow(/already open in this process/);
        await b.release();
        await b.release();
        await expect(b.add([{ key: 'k', payload: 1 }])).rejects.toThrow(/was released/);
        expect((await two.open(spec)).created).toBe(false);
      } else {
        await b.release();
        await expect(b.add([{ key: 'k', payload: 1 }])).rejects.toThrow(/was released/);
        expect((await one.open(spec)).created).toBe(false);
      }
    });

    it('gives up its leases on close, refuses calls once closed, and closes twice harmlessly', async () => {
      const j = await journal();
      const b = await j.open(spec);
      await j.close();
      await j.close();
      await expect(j.open(spec)).rejects.toThrow(/journal: is closed/);
      await expect(j.list()).rejects.toThrow(ValidationError);
      await expect(b.get('k')).rejects.toThrow(/journal: is closed/);
      await b.release();
      if (options.shared) expect((await (await journal()).open(spec)).created).toBe(false);
    });

    it('refuses bad input by field name and records nothing', async () => {
      const j = await journal();
      await expect(j.open({ ...spec, id: '' })).rejects.toThrow(/batch\.id/);
      await expect(j.open({ ...spec, kind: 'x'.repeat(201) })).rejects.toThrow(/batch\.kind/);
      await expect(j.open({ ...spec, content: undefined as unknown as null })).rejects.toThrow(
        /batch\.content: must be JSON/,
      );
      expect(await j.list()).toEqual([]);
      const b = await j.open(spec);
      await expect(b.add([{ key: '', payload: 1 }])).rejects.toThrow(/items\[0\]\.key/);
      await expect(b.add([{ key: 'k', payload: undefined as unknown as null }])).rejects.toThrow(
        /items\[0\]\.payload: must be JSON/,
      );
      await expect(b.add('k' as unknown as [])).rejects.toThrow(/items: must be an array/);
      await expect(b.transition('nope', { state: 'pending' })).rejects.toThrow(/key: no item "nope"/);
      await expect(b.items({ fromSeq: -1 })).rejects.toThrow(/fromSeq/);
      await expect(b.items({ limit: 0 })).rejects.toThrow(/limit/);
      await expect(b.setCursor('c', undefined as unknown as null)).rejects.toThrow(/cursor: must be JSON/);
      expect(await b.status()).toMatchObject({ total: 0 });
    });

    it('counts what the items hold after every change, allowed or refused', async () => {
      const j = await journal();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
          const b = await j.open({ id: `p${run++}`, kind: 'prop', content: null });
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
            await expectCountsMatchItems(b);
          }
          await b.release();
        }),
        { numRuns: options.numRuns ?? 40 },
      );
    });
  });
}
