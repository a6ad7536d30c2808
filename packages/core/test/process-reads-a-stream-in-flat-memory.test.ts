import { flushMicrotasks, type ProcessOutcome, TaskCancelledError, ValidationError } from '@switchyard/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { sleep, virtualPool } from './helpers.js';

function pool(workers = 2) {
  const h = virtualPool<null>();
  for (let i = 0; i < workers; i++) h.pool.addWorker({ id: `w${i}`, resource: null, capacity: 2 });
  return h;
}

describe('pool.process', () => {
  it('reads an endless source only while fewer than highWaterMark of its tasks are unsettled', async () => {
    const { clock, pool: p } = pool();
    let read = 0;
    let settled = 0;
    let most = 0;
    async function* endless() {
      for (let i = 0; ; i++) {
        read++;
        most = Math.max(most, read - settled);
        yield { run: async () => sleep(clock, 10).then(() => i) };
      }
    }
    const seen: ProcessOutcome<number>[] = [];
    const sub = p.process(endless(), { highWaterMark: 7 }).subscribe((o) => {
      settled++;
      seen.push(o);
    });
    await clock.advance(1000);
    sub.unsubscribe();
    expect(seen.length).toBeGreaterThan(300);
    expect(most).toBeLessThanOrEqual(8); // the item being read, plus the 7 unsettled
    expect(seen.slice(0, 4).map((o) => (o.status === 'fulfilled' ? o.value : -1))).toEqual([0, 1, 2, 3]);
    await clock.runAll();
    await p.close();
  });

  it('gives one outcome per task, rejections included, and completes when the source is done', async () => {
    const { clock, pool: p } = pool();
    const specs = [0, 1, 2, 3, 4].map((i) => ({
      run: async () => {
        await sleep(clock, 5 - i);
        if (i === 2) throw new Error('no');
        return i * 10;
      },
      retry: { retries: 0 },
    }));
    const all = lastValueFrom(p.process(specs, { highWaterMark: 2 }).pipe(toArray()));
    await clock.runAll();
    const outcomes = await all;
    expect([...outcomes].sort((a, b) => a.index - b.index).map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(
      outcomes
        .filter((o) => o.status === 'fulfilled')
        .map((o) => o.value)
        .sort(),
    ).toEqual([0, 10, 30, 40]);
    await p.close();
  });

  it('cancels what it queued when unsubscribed, stops reading, and leaves the pool empty', async () => {
    const { clock, pool: p } = pool(1);
    let returned = false;
    let read = 0;
    async function* source() {
      try {
        for (;;) {
          read++;
          yield { run: ({ signal }: { signal: AbortSignal }) => sleep(clock, 100, signal) };
        }
      } finally {
        returned = true;
      }
    }
    const sub = p.process(source(), { highWaterMark: 50 }).subscribe();
    await flushMicrotasks(500);
    expect(p.snapshot().queued + p.snapshot().inFlight).toBe(50);
    sub.unsubscribe();
    await clock.advance(1);
    expect(returned).toBe(true);
    const readThen = read;
    await clock.runAll();
    expect(read).toBe(readThen);
    const s = p.snapshot();
    expect(s.queued + s.inFlight).toBe(0);
    expect(s.metrics.cancelled).toBe(50);
    expect(p.size).toBe(0);
    expect(p.pending).toBe(0);
    await p.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("passes a task's own signal on too", async () => {
    const { clock, pool: p } = pool(1);
    const own = new AbortController();
    const out = lastValueFrom(
      p
        .process([{ run: ({ signal }: { signal: AbortSignal }) => sleep(clock, 100, signal) }])
        .pipe(toArray()),
    );
    await clock.advance(1);
    own.abort();
    const specs = [{ signal: own.signal, run: () => 1 }];
    const second = lastValueFrom(p.process(specs).pipe(toArray()));
    await clock.runAll();
    expect((await out)[0]?.status).toBe('fulfilled');
    const [o] = await second;
    expect(o?.status === 'rejected' && o.reason).toBeInstanceOf(TaskCancelledError);
    await p.close();
  });

  it('lets submitted tasks settle when the source throws, then errors with its error', async () => {
    const { clock, pool: p } = pool();
    async function* broken() {
      yield { run: () => sleep(clock, 10).then(() => 'a') };
      throw new Error('disk read failed');
    }
    const seen: ProcessOutcome<string | undefined>[] = [];
    let error: unknown;
    p.process<string | undefined>(broken()).subscribe({
      next: (o) => seen.push(o),
      error: (e) => (error = e),
    });
    await clock.advance(1);
    expect(error).toBeUndefined();
    await clock.runAll();
    expect(seen).toEqual([{ index: 0, status: 'fulfilled', value: 'a' }]);
    expect((error as Error).message).toBe('disk read failed');
    await p.close();
  });

  it('takes an Observable source', async () => {
    const { clock, pool: p } = pool();
    const all = lastValueFrom(
      p.process(from([1, 2, 3].map((n) => ({ run: () => n }))), { highWaterMark: 1 }).pipe(toArray()),
    );
    await clock.runAll();
    expect((await all).map((o) => o.status === 'fulfilled' && o.value)).toEqual([1, 2, 3]);
    await p.close();
  });

  it('rejects a bad source or high-water mark at the call, reading nothing', async () => {
    const { pool: p } = pool();
    expect(() => p.process(42 as never)).toThrow(ValidationError);
    expect(() => p.process('abc' as never)).toThrow(
      /source: must be an AsyncIterable, an Iterable or an Observable/,
    );
    expect(() => p.process([], { highWaterMark: 0 })).toThrow(/highWaterMark: must be a whole number/);
    expect(() => p.process([], { highWaterMark: 1.5 })).toThrow(ValidationError);
    await p.close();
  });
});
