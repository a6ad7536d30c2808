import { createPool, VirtualClock } from '@switchyard/core';
import type { MessageResult } from '@switchyard/telegram-adapter';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { operationEta } from '../src/eta.js';
import { FleetState } from '../src/fleetState.js';
import type { CampaignView } from '../src/index.js';

type Result = Pick<MessageResult, 'outcome' | 'sessionUsed' | 'fromJournal'>;

/**
 * Two sessions on virtual time, each sending one message a second (a fleet of 2/s), with a
 * dashboard's state over them whose real clock runs at a tenth of the campaign's.
 */
function fleet() {
  const clock = new VirtualClock(0);
  const pool = createPool<null>({ strategy: { name: 'first', select: (_task, free) => free[0] }, clock });
  for (const id of ['s0', 's1']) pool.addWorker({ id, resource: null });
  let real = 1_000_000;
  const state = new FleetState({
    source: { pool, snapshot: () => ({ pool: pool.snapshot(), sessions: [] }) },
    clock: () => clock.now(),
    realClock: () => real,
    title: 't',
    fleetSendsPerSecond: 2,
  });
  /** An operation of `items` sends, queued now (after those queued before it), tracked. */
  const operation = (name: string, items: number) => {
    const results$ = new Subject<Result>();
    let left = items;
    for (let i = 0; i < items; i++)
      void pool
        .submit({
          kind: 'sending',
          run: ({ worker }) =>
            new Promise<string>((resolve) => clock.setTimeout(() => resolve(worker), 1000)),
        })
        .then(
          (worker) => {
            results$.next({ outcome: 'sent', sessionUsed: worker });
            if (--left === 0) results$.complete();
          },
          () => {}, // cancelled when the test closes the pool
        );
    state.track({ results$ }, { name, total: items });
    return results$;
  };
  /** Let `ms` of campaign time pass, then read the campaigns as the page gets them. */
  const after = async (ms: number): Promise<Record<string, CampaignView>> => {
    await clock.advance(ms);
    real += ms / 10;
    return Object.fromEntries(state.sample().campaigns.map((c) => [c.name, c]));
  };
  close = async () => {
    state.close();
    await pool.close({ drain: false });
  };
  return { operation, after };
}

/** Stops the test's fleet. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('the ETA of an operation queued behind another', () => {
  it('is the fleet’s time for the work ahead and its own, shown as waiting, not unknown', async () => {
    const f = fleet();
    f.operation('first', 20);
    f.operation('second', 10);
    for (let s = 1; s < 5; s++) await f.after(1000);
    const { first, second } = await f.after(1000);
    // Five seconds in: the fleet settled 10 of the first; the second waits its turn.
    expect(first).toMatchObject({ settled: 10, waiting: false, etaMs: 5000, etaRealMs: 500 });
    // Its 10 go once the first's 10 left are done: 20 items at 2/s.
    expect(second).toMatchObject({ settled: 0, waiting: true, etaMs: 10_000, etaRealMs: 1000 });
    // Which is when it is done.
    for (let s = 1; s < 10; s++) await f.after(1000);
    const done = await f.after(1000);
    expect(done.first?.status).toBe('done');
    expect(done.second).toMatchObject({ status: 'done', settled: 10, waiting: false, etaMs: 0 });
  });

  it('does not read hours from a trickle of items settled while it waits', async () => {
    const f = fleet();
    f.operation('first', 20);
    const second = f.operation('second', 11);
    // One of the second's recipients is invalid: skipped at once, before any send.
    second.next({ outcome: 'skipped', sessionUsed: null });
    for (let s = 1; s < 5; s++) await f.after(1000);
    const now = await f.after(1000);
    // At its own rate (1 settled in 5 s) its 10 left would take 50 s. The fleet settled 11 in
    // those 5 s (10 sends and the skip), and 20 are left in all: the first's 10, then these.
    expect(now.second).toMatchObject({ settled: 1, waiting: false });
    expect(now.second?.etaMs).toBeCloseTo((20 / 11) * 5000);
  });

  it('leaves each operation its own rate while they share the fleet', () => {
    const readings = (perSecond: number) =>
      [0, 10].map((s) => ({ t: s * 1000, real: s * 100, settled: s * perSecond }));
    // Two operations settling 1/s each: the first's 10 left take 10 s at its own rate, though
    // the fleet (2/s) would settle 10 in 5 s; the 30 left in all bound it from above.
    expect(operationEta(10, readings(1), { recent: readings(2), ahead: 0, all: 30 })).toEqual({
      etaMs: 10_000,
      etaRealMs: 1000,
    });
    expect(operationEta(10, readings(0.1), { recent: readings(2), ahead: 0, all: 30 })).toEqual({
      etaMs: 15_000,
      etaRealMs: 1500,
    });
    // Nothing settled anywhere: no ETA yet.
    expect(operationEta(10, readings(0), { recent: readings(0), ahead: 5, all: 15 })).toEqual({
      etaMs: null,
      etaRealMs: null,
    });
    // Waiting behind an operation of unknown length: the whole is unknown too.
    expect(operationEta(10, readings(0), { recent: readings(2), ahead: null, all: null })).toEqual({
      etaMs: null,
      etaRealMs: null,
    });
  });
});
