import { topState, VirtualClock, type WorkerEvent, workerMachine } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createActor, type SnapshotFrom } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';

type Snap = SnapshotFrom<typeof workerMachine>;

function start(capacity = 2, clock = new VirtualClock()) {
  const actor = createActor(workerMachine, { input: { id: 'w', capacity }, clock });
  actor.start();
  return {
    actor,
    clock,
    state: () => topState(actor.getSnapshot().value),
    ctx: () => actor.getSnapshot().context,
  };
}

describe('worker machine', () => {
  it('is busy exactly when in-flight reaches capacity, and connected when a slot frees', () => {
    const { actor, state, ctx } = start(2);
    expect(state()).toBe('connected');
    actor.send({ type: 'TASK_STARTED' });
    expect(state()).toBe('connected');
    actor.send({ type: 'TASK_STARTED' });
    expect(state()).toBe('busy');
    expect(ctx().inFlight).toBe(2);
    actor.send({ type: 'TASK_FINISHED' });
    expect(state()).toBe('connected');
    expect(ctx().inFlight).toBe(1);
  });

  it('backs off for exactly retryAfterMs on the injected clock, then returns to busy or connected', () => {
    const { actor, clock, state } = start(1);
    actor.send({ type: 'TASK_STARTED' });
    actor.send({ type: 'RATE_LIMITED', now: clock.now(), retryAfterMs: 30_000 });
    expect(state()).toBe('backoff');
    clock.tick(29_999);
    expect(state()).toBe('backoff');
    clock.tick(1);
    expect(state()).toBe('busy'); // its in-flight task is still running
    actor.send({ type: 'TASK_FINISHED' });
    expect(state()).toBe('connected');
  });

  it('extends a backoff to the later deadline and ignores an earlier one', () => {
    const { actor, clock, state } = start(1);
    actor.send({ type: 'RATE_LIMITED', now: 0, retryAfterMs: 1000 });
    clock.tick(500);
    actor.send({ type: 'RATE_LIMITED', now: clock.now(), retryAfterMs: 200 }); // ends at 700 < 1000: ignored
    actor.send({ type: 'RATE_LIMITED', now: clock.now(), retryAfterMs: 2000 }); // ends at 2500
    clock.tick(1999);
    expect(state()).toBe('backoff');
    clock.tick(1);
    expect(state()).toBe('connected');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('goes through disconnected and back, and serves the rest of a flood wait after reconnecting', () => {
    const { actor, clock, state } = start(1);
    actor.send({ type: 'RATE_LIMITED', now: 0, retryAfterMs: 10_000 });
    clock.tick(2000);
    actor.send({ type: 'CONNECTION_LOST' });
    expect(actor.getSnapshot().value).toEqual({ disconnected: 'reconnecting' });
    clock.tick(3000);
    actor.send({ type: 'CONNECTION_RESTORED', now: clock.now() });
    expect(state()).toBe('backoff');
    clock.tick(4999);
    expect(state()).toBe('backoff');
    clock.tick(1);
    expect(state()).toBe('connected');
  });

  it('stays dead once fatal, while in-flight work can still finish', () => {
    const { actor, state, ctx } = start(1);
    actor.send({ type: 'TASK_STARTED' });
    actor.send({ type: 'FATAL' });
    expect(actor.getSnapshot().value).toEqual({ disconnected: 'dead' });
    actor.send({ type: 'CONNECTION_RESTORED', now: 0 });
    actor.send({ type: 'RATE_LIMITED', now: 0, retryAfterMs: 5 });
    expect(state()).toBe('disconnected');
    actor.send({ type: 'TASK_FINISHED' });
    expect(ctx().inFlight).toBe(0);
    expect(actor.getSnapshot().value).toEqual({ disconnected: 'dead' });
  });

  it('re-evaluates busy when capacity changes', () => {
    const { actor, state } = start(2);
    actor.send({ type: 'TASK_STARTED' });
    actor.send({ type: 'SET_CAPACITY', capacity: 1 });
    expect(state()).toBe('busy');
    actor.send({ type: 'SET_CAPACITY', capacity: 3 });
    expect(state()).toBe('connected');
  });

  it('stopping the actor leaves no backoff timer behind', () => {
    const { actor, clock } = start(1);
    actor.send({ type: 'RATE_LIMITED', now: 0, retryAfterMs: 60_000 });
    expect(clock.pendingTimers()).toBe(1);
    actor.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('worker machine, model-based', () => {
  // Events the pool may send in each state: it never starts work on a worker that is not ready.
  const eventsFor = (snap: Snap): WorkerEvent[] => {
    const s = topState(snap.value);
    const { inFlight } = snap.context;
    const events: WorkerEvent[] = [
      { type: 'RATE_LIMITED', now: 0, retryAfterMs: 1000 },
      { type: 'CONNECTION_LOST' },
      { type: 'CONNECTION_RESTORED', now: 5000 },
      { type: 'FATAL' },
    ];
    if (s === 'connected') events.push({ type: 'TASK_STARTED' });
    if (inFlight > 0) events.push({ type: 'TASK_FINISHED' });
    if (s === 'backoff')
      events.push({ type: 'xstate.after.backoffDelay.worker.backoff' } as unknown as WorkerEvent);
    return events;
  };
  const serializeState = (snap: Snap) => JSON.stringify([snap.value, snap.context.inFlight]);

  const invariant = (snap: Snap) => {
    const { inFlight, capacity } = snap.context;
    const s = topState(snap.value);
    expect(inFlight).toBeGreaterThanOrEqual(0);
    expect(inFlight).toBeLessThanOrEqual(capacity);
    if (s === 'connected') expect(inFlight).toBeLessThan(capacity);
    if (s === 'busy') expect(inFlight).toBe(capacity);
    if (s === 'backoff') expect(snap.context.backoffMs).toBeGreaterThan(0);
  };

  for (const capacity of [1, 2, 3]) {
    it(`holds its invariants in every reachable state (capacity ${capacity}, shortest paths)`, () => {
      const paths = getShortestPaths(workerMachine, {
        input: { id: 'w', capacity },
        events: eventsFor,
        serializeState,
      });
      // connected / busy / backoff / reconnecting / dead, each with 0..capacity in flight where reachable
      expect(paths.length).toBeGreaterThanOrEqual(5);
      const seen = new Set(paths.map((p) => JSON.stringify(p.state.value)));
      expect(seen).toEqual(
        new Set([
          '"connected"',
          '"busy"',
          '"backoff"',
          JSON.stringify({ disconnected: 'reconnecting' }),
          JSON.stringify({ disconnected: 'dead' }),
        ]),
      );
      for (const path of paths) {
        for (const step of path.steps) invariant(step.state);
        invariant(path.state);
      }
    });
  }

  it('holds its invariants along every simple path (capacity 2)', () => {
    const paths = getSimplePaths(workerMachine, {
      input: { id: 'w', capacity: 2 },
      events: eventsFor,
      serializeState,
    });
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) for (const step of path.steps) invariant(step.state);
    // Dead is absorbing: after FATAL no path leaves it.
    for (const path of paths) {
      const i = path.steps.findIndex(
        (s) => JSON.stringify(s.state.value) === JSON.stringify({ disconnected: 'dead' }),
      );
      if (i >= 0) {
        for (const later of path.steps.slice(i)) expect(later.state.value).toEqual({ disconnected: 'dead' });
      }
    }
  });
});
