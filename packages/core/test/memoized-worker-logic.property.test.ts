import { topState, VirtualClock, type WorkerEvent, workerMachine } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { type Actor, createActor, type SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { createMemoizedWorkerLogic, memoizedWorkerLogic, remembered } from '../src/worker/memoizedLogic.js';

type Snap = SnapshotFrom<typeof workerMachine>;
type Logic = typeof workerMachine;

type Step =
  | { readonly kind: 'started' | 'finished' | 'lost' | 'restored' | 'fatal'; readonly worker: number }
  | { readonly kind: 'rate'; readonly worker: number; readonly retryAfterMs: number }
  | { readonly kind: 'capacity'; readonly worker: number; readonly capacity: number }
  | { readonly kind: 'advance'; readonly ms: number };

const workerArb = fc.nat({ max: 3 });
const on = <K extends Step['kind']>(kind: K) => ({ kind: fc.constant(kind), worker: workerArb });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // Load events dominate, as in a pool; the rest are rarer but all present.
  { weight: 8, arbitrary: fc.record(on('started')) },
  { weight: 8, arbitrary: fc.record(on('finished')) },
  { weight: 1, arbitrary: fc.record(on('lost')) },
  { weight: 2, arbitrary: fc.record(on('restored')) },
  { weight: 1, arbitrary: fc.record(on('fatal')) },
  // Few distinct lengths, so that two backoffs often differ only in when they end.
  {
    weight: 2,
    arbitrary: fc.record({ ...on('rate'), retryAfterMs: fc.constantFrom(0, 1, 100, 1000, 2500) }),
  },
  { weight: 2, arbitrary: fc.record({ ...on('capacity'), capacity: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 1, 99, 100, 500, 1000, 3000),
    }),
  },
);

function toEvent(step: Exclude<Step, { kind: 'advance' }>, now: number): WorkerEvent {
  switch (step.kind) {
    case 'started':
      return { type: 'TASK_STARTED' };
    case 'finished':
      return { type: 'TASK_FINISHED' };
    case 'rate':
      return { type: 'RATE_LIMITED', now, retryAfterMs: step.retryAfterMs };
    case 'lost':
      return { type: 'CONNECTION_LOST' };
    case 'restored':
      return { type: 'CONNECTION_RESTORED', now };
    case 'fatal':
      return { type: 'FATAL' };
    case 'capacity':
      return { type: 'SET_CAPACITY', capacity: step.capacity };
  }
}

/** A fleet of actors on one logic and one virtual clock, counting the snapshots each observer sees. */
function fleet(logic: Logic, capacities: readonly number[]) {
  const clock = new VirtualClock();
  const notified = capacities.map(() => 0);
  const actors = capacities.map((capacity, i) => {
    const actor = createActor(logic, { input: { id: `w${i}`, capacity }, clock });
    actor.subscribe(() => {
      notified[i] = (notified[i] ?? 0) + 1;
    });
    return actor.start();
  });
  return { clock, actors, notified };
}

const view = (snap: Snap) => ({ status: snap.status, value: snap.value, context: snap.context });

describe('memoised worker logic', () => {
  it('matches the plain machine after every event, timers included, and stays bounded', () => {
    fc.assert(
      fc.property(
        // Workers of the same capacity meet in the same shapes, and take each other's transitions.
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 2, max: 24 }),
        fc.array(stepArb, { maxLength: 200, size: 'max' }),
        (capacities, maxStatesPerWorker, maxShapes, steps) => {
          const logic = createMemoizedWorkerLogic({ maxStatesPerWorker, maxShapes });
          const plain = fleet(workerMachine, capacities);
          const memo = fleet(logic, capacities);
          const compare = () => {
            for (const [i, actor] of memo.actors.entries()) {
              expect(view(actor.getSnapshot())).toEqual(view(plain.actors[i]!.getSnapshot()));
              const held = remembered(logic, actor);
              expect(held.states).toBeLessThanOrEqual(maxStatesPerWorker);
              expect(held.shapes).toBeLessThanOrEqual(maxShapes);
            }
            expect(memo.notified).toEqual(plain.notified);
            expect(memo.clock.pendingTimers()).toBe(plain.clock.pendingTimers());
            expect(memo.clock.nextTimerAt()).toBe(plain.clock.nextTimerAt());
          };
          compare();
          for (const step of steps) {
            if (step.kind === 'advance') {
              plain.clock.tick(step.ms);
              memo.clock.tick(step.ms);
            } else {
              const i = step.worker % capacities.length;
              plain.actors[i]!.send(toEvent(step, plain.clock.now()));
              memo.actors[i]!.send(toEvent(step, memo.clock.now()));
            }
            compare();
          }
          for (const [i, actor] of memo.actors.entries()) {
            actor.stop();
            plain.actors[i]!.stop();
            expect(actor.getSnapshot().status).toBe('stopped');
          }
          expect(memo.clock.pendingTimers()).toBe(0);
          expect(plain.clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  }, 30_000);

  it('reuses one snapshot object for equal states, and computes no new ones at rest', () => {
    const actor = createActor(memoizedWorkerLogic, { input: { id: 'w', capacity: 2 } }).start();
    const seen = new Set<Snap>();
    actor.send({ type: 'TASK_STARTED' });
    const one = actor.getSnapshot();
    actor.send({ type: 'TASK_STARTED' });
    const two = actor.getSnapshot();
    expect(topState(two.value)).toBe('busy');
    for (let i = 0; i < 1000; i++) {
      actor.send({ type: 'TASK_FINISHED' });
      seen.add(actor.getSnapshot());
      actor.send({ type: 'TASK_STARTED' });
      seen.add(actor.getSnapshot());
    }
    expect(seen).toEqual(new Set([one, two]));
    expect(remembered(memoizedWorkerLogic, actor).states).toBe(3);
    actor.stop();
  });

  it('works each transition out once for a whole fleet, and gives every worker its own snapshots', () => {
    const logic = createMemoizedWorkerLogic();
    const actors = Array.from({ length: 100 }, (_, i) =>
      createActor(logic, { input: { id: `w${i}`, capacity: 1 } }).start(),
    );
    const spy = vi.spyOn(workerMachine, 'transition');
    try {
      for (const actor of actors) {
        actor.send({ type: 'TASK_STARTED' });
        expect(actor.getSnapshot().context.inFlight).toBe(1);
      }
      for (const actor of actors) actor.send({ type: 'TASK_FINISHED' });
      // connected → busy and busy → connected, once each for all 100 workers.
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
    for (const [i, actor] of actors.entries()) {
      expect(view(actor.getSnapshot())).toEqual({
        status: 'active',
        value: 'connected',
        context: { id: `w${i}`, capacity: 1, inFlight: 0, backoffUntil: 0, backoffMs: 0 },
      });
      actor.stop();
    }
  });

  it('keeps the table within its bound for a wide worker whose load wanders', () => {
    const logic = createMemoizedWorkerLogic({ maxStatesPerWorker: 16 });
    const plain = createActor(workerMachine, { input: { id: 'w', capacity: 1000 } }).start();
    const memo: Actor<Logic> = createActor(logic, { input: { id: 'w', capacity: 1000 } }).start();
    let most = 0;
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 500, maxLength: 500 }), (ups) => {
        for (const up of ups) {
          const event: WorkerEvent = { type: up ? 'TASK_STARTED' : 'TASK_FINISHED' };
          plain.send(event);
          memo.send(event);
          most = Math.max(most, remembered(logic, memo).states);
        }
        expect(memo.getSnapshot().context).toEqual(plain.getSnapshot().context);
      }),
      { numRuns: 20 },
    );
    expect(most).toBeLessThanOrEqual(16);
  });

  it('leaves a backoff timer to the machine, and stop() clears it', () => {
    const clock = new VirtualClock();
    const actor = createActor(memoizedWorkerLogic, { input: { id: 'w', capacity: 1 }, clock }).start();
    actor.send({ type: 'TASK_STARTED' });
    actor.send({ type: 'RATE_LIMITED', now: 0, retryAfterMs: 1000 });
    actor.send({ type: 'TASK_FINISHED' });
    clock.tick(999);
    expect(topState(actor.getSnapshot().value)).toBe('backoff');
    clock.tick(1);
    expect(topState(actor.getSnapshot().value)).toBe('connected');
    actor.send({ type: 'RATE_LIMITED', now: clock.now(), retryAfterMs: 60_000 });
    expect(clock.pendingTimers()).toBe(1);
    actor.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('memoised worker logic, model-based', () => {
  const eventsFor = (snap: Snap): WorkerEvent[] => [
    { type: 'TASK_STARTED' },
    { type: 'TASK_FINISHED' },
    { type: 'SET_CAPACITY', capacity: 1 },
    { type: 'SET_CAPACITY', capacity: 3 },
    { type: 'RATE_LIMITED', now: 0, retryAfterMs: 1000 },
    { type: 'CONNECTION_LOST' },
    { type: 'CONNECTION_RESTORED', now: 5000 },
    { type: 'FATAL' },
    ...(topState(snap.value) === 'backoff'
      ? [{ type: 'xstate.after.backoffDelay.worker.backoff' } as unknown as WorkerEvent]
      : []),
  ];
  const serializeState = (snap: Snap) => JSON.stringify([snap.value, snap.context]);

  for (const capacity of [1, 2, 3]) {
    it(`reaches the same states by the same paths as the machine (capacity ${capacity})`, () => {
      const walk = (logic: Logic) =>
        getShortestPaths(logic, { input: { id: 'w', capacity }, events: eventsFor, serializeState }).map(
          (p) => [serializeState(p.state), p.steps.map((s) => s.event.type).join(' ')],
        );
      const plain = walk(workerMachine);
      expect(plain.length).toBeGreaterThan(5);
      expect(walk(memoizedWorkerLogic)).toEqual(plain);
    });
  }
});
