import type { LoadEvent, PoolSnapshot, WorkerSnapshot } from '@switchyard/core';
import type { MessageResult, SessionInfo } from '@switchyard/telegram-adapter';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { estimateEta } from '../src/eta.js';
import { FleetState } from '../src/fleetState.js';
import { sessionState } from '../src/index.js';

/** A fleet whose snapshot the test sets, on a clock the test moves: no timers, no waiting. */
function stubFleet(names: readonly string[]) {
  const events$ = new Subject<LoadEvent>();
  const workers = new Map<string, WorkerSnapshot>(
    names.map((id) => [
      id,
      {
        id,
        state: 'connected',
        inFlight: 0,
        capacity: 4,
        capabilities: [],
        weight: 1,
        removing: false,
        stats: { completed: 0, failed: 0, ewmaLatencyMs: 0, successRate: 1, rateLimited: 0 },
      },
    ]),
  );
  const restricted = new Map<string, Record<string, number>>();
  const gone = new Set<string>();
  let queued = 0;
  const poolSnapshot = () =>
    ({ workers: [...workers.values()], queued, inFlight: 0 }) as unknown as PoolSnapshot;
  const source = {
    pool: { events$, snapshot: poolSnapshot },
    snapshot: () => ({
      pool: poolSnapshot(),
      sessions: names.map(
        (name): SessionInfo => ({
          name,
          connection: gone.has(name) ? 'dead' : 'connected',
          load: 0,
          capabilities: [],
          restricted: restricted.get(name) ?? {},
          scrapeQuotaLeft: 0,
        }),
      ),
    }),
  };
  let now = 0;
  let real = 1_000_000;
  const state = new FleetState({
    source,
    clock: () => now,
    realClock: () => real,
    title: 't',
    fleetSendsPerSecond: 30,
  });
  return {
    state,
    events$,
    set: (id: string, w: Partial<WorkerSnapshot>) =>
      workers.set(id, { ...(workers.get(id) as WorkerSnapshot), ...w }),
    restrict: (id: string, caps: Record<string, number>) => restricted.set(id, caps),
    kill: (id: string) => gone.add(id),
    queue: (n: number) => {
      queued = n;
    },
    tick: (campaignMs: number, realMs: number) => {
      now += campaignMs;
      real += realMs;
    },
    now: () => now,
  };
}

const sent = (at: number, worker: string): LoadEvent => ({
  type: 'task-succeeded',
  at,
  task: 1,
  kind: 'sending',
  worker,
  attempt: 1,
  latencyMs: 10,
});

describe('FleetState', () => {
  it('plots sends per campaign second and the queue, whatever the clock speed', () => {
    const f = stubFleet(['a', 'b']);
    f.tick(10_000, 250); // the demo's clock runs 40× real time here
    for (let i = 0; i < 50; i++) f.events$.next(sent(f.now(), i % 2 === 0 ? 'a' : 'b'));
    f.queue(120);
    const delta = f.state.sample();
    expect(delta.samples).toEqual([{ t: 10_000, sendsPerSecond: 5, queued: 120, inFlight: 0 }]);
    // No time passed: no new point.
    expect(f.state.sample().samples).toEqual([]);
  });

  it('sends only the sessions that changed, and logs flood waits, restrictions and deaths as they happen', () => {
    const f = stubFleet(['a', 'b', 'c']);
    expect(f.state.snapshot().sessions.map((s) => s.state)).toEqual(['idle', 'idle', 'idle']);
    f.tick(1000, 100);
    f.set('a', { state: 'backoff', backoffUntil: 31_000 });
    f.events$.next({
      type: 'worker-state',
      at: 1000,
      worker: 'a',
      from: 'connected',
      to: 'backoff',
      reason: 'FLOOD_WAIT',
      backoffMs: 30_000,
    });
    f.restrict('b', { 'send-to-strangers': 1000 + 12 * 3600_000 });
    f.kill('c');
    const delta = f.state.sample();
    expect(delta.sessions.map((s) => [s.name, s.state])).toEqual([
      ['a', 'backoff'],
      ['b', 'restricted'],
      ['c', 'dead'],
    ]);
    expect(delta.sessions[0]?.backoffUntil).toBe(31_000);
    expect(delta.log.map((e) => [e.kind, e.session, e.detail])).toEqual([
      ['flood-wait', 'a', 'FLOOD_WAIT (30 s)'],
      ['restricted', 'b', 'send-to-strangers until +12 h'],
      ['dead', 'c', 'was idle'],
    ]);
    expect(delta.transitions).toEqual([
      { at: 1000, session: 'a', state: 'backoff' },
      { at: 1000, session: 'b', state: 'restricted' },
      { at: 1000, session: 'c', state: 'dead' },
    ]);
    f.tick(1000, 100);
    expect(f.state.sample().sessions).toEqual([]);
    expect(f.state.snapshot().log).toHaveLength(3);
  });

  it('counts tracked results per operation and per session, with an ETA in campaign and real time', () => {
    const f = stubFleet(['a', 'b']);
    const results = new Subject<Pick<MessageResult, 'outcome' | 'sessionUsed' | 'fromJournal'>>();
    f.state.track({ results$: results }, { name: 'spring-sale', total: 100 });
    results.next({ outcome: 'sent', sessionUsed: 'a', fromJournal: true });
    f.state.sample();
    // 10 more in 10 campaign seconds, which took 1 real second.
    f.tick(10_000, 1000);
    for (let i = 0; i < 10; i++)
      results.next({
        outcome: i < 7 ? 'sent' : i < 9 ? 'failed' : 'skipped',
        sessionUsed: i % 2 ? 'a' : 'b',
      });
    const delta = f.state.sample();
    expect(delta.total).toMatchObject({
      settled: 11,
      sent: 8,
      failed: 2,
      skipped: 1,
      fromJournal: 1,
      total: 100,
    });
    expect(delta.total.etaMs).toBeCloseTo(89_000);
    expect(delta.total.etaRealMs).toBeCloseTo(8900);
    expect(Object.fromEntries(delta.sessions.map((s) => [s.name, [s.sent, s.failed]]))).toEqual({
      a: [4, 1],
      b: [4, 1],
    });
    results.complete();
    expect(f.state.sample().total).toMatchObject({ status: 'done', etaMs: 0 });
  });

  it('colours dead, reconnecting, backoff and restricted ahead of load', () => {
    const w = { state: 'busy', inFlight: 4 } as const;
    const held = { 'send-to-strangers': 1 };
    expect(sessionState({ connection: 'dead', restricted: held }, w)).toBe('dead');
    expect(sessionState({ connection: 'connected', restricted: {} }, { ...w, substate: 'dead' })).toBe(
      'dead',
    );
    expect(sessionState({ connection: 'reconnecting', restricted: held }, w)).toBe('reconnecting');
    expect(sessionState({ connection: 'connected', restricted: {} }, undefined)).toBe('reconnecting');
    expect(sessionState({ connection: 'connected', restricted: held }, { ...w, state: 'backoff' })).toBe(
      'backoff',
    );
    expect(sessionState({ connection: 'connected', restricted: held }, w)).toBe('restricted');
    expect(sessionState({ connection: 'connected', restricted: {} }, w)).toBe('busy');
    const free = { connection: 'connected', restricted: {} } as const;
    expect(sessionState(free, { state: 'connected', inFlight: 1 })).toBe('sending');
    expect(sessionState(free, { state: 'connected', inFlight: 0 })).toBe('idle');
    expect(sessionState({ connection: 'refused', restricted: {} }, undefined)).toBe('refused');
  });

  it('calls a session restricted when it lost what the work needs: sending to strangers unless told', () => {
    const w = { state: 'connected', inFlight: 1 } as const;
    const holding = (...caps: string[]) => ({
      connection: 'connected' as const,
      restricted: Object.fromEntries(caps.map((c) => [c, 86_400_000])),
    });
    // Its daily scrape quota is spent, or it joined too many channels: it still sends.
    expect(sessionState(holding('scrape'), w)).toBe('sending');
    expect(sessionState(holding('join'), w)).toBe('sending');
    // A spam restriction, and a freeze (every capability).
    expect(sessionState(holding('send-to-strangers'), w)).toBe('restricted');
    expect(sessionState(holding('send-to-strangers', 'join', 'scrape'), w)).toBe('restricted');
    // For a scrape, the spent quota is what counts.
    expect(sessionState(holding('scrape'), w, ['scrape'])).toBe('restricted');
    expect(sessionState(holding('send-to-strangers'), w, ['scrape'])).toBe('sending');
  });

  it('lists every capability held back, and logs it, though only a lost send restricts the row', () => {
    const f = stubFleet(['a']);
    f.tick(1000, 100);
    f.restrict('a', { scrape: 1000 + 3600_000 });
    const delta = f.state.sample();
    expect(delta.sessions).toMatchObject([{ name: 'a', state: 'idle', restricted: ['scrape'] }]);
    expect(delta.log.map((e) => [e.kind, e.session, e.detail])).toEqual([
      ['restricted', 'a', 'scrape until +60 min'],
    ]);
    expect(delta.transitions).toEqual([]);
  });

  it('estimates no ETA before anything settled', () => {
    expect(estimateEta(10, [])).toEqual({ etaMs: null, etaRealMs: null });
    expect(
      estimateEta(10, [
        { t: 0, real: 0, settled: 0 },
        { t: 5000, real: 100, settled: 0 },
      ]),
    ).toEqual({
      etaMs: null,
      etaRealMs: null,
    });
    expect(estimateEta(0, [])).toEqual({ etaMs: 0, etaRealMs: 0 });
  });
});
