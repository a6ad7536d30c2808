import { type TaskView, VirtualClock, type WorkerView } from '@switchyard/core';
import { leastLoaded } from '@switchyard/strategies';
import { countingCandidates, FakeFleet, makeTask } from '@switchyard/strategies/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveWeight, slowStartFactor } from '../src/slowStart.js';

const CAPS = ['a', 'b'] as const;
const capsOf = (mask: number): string[] => CAPS.filter((_, i) => (mask >> i) & 1);

/** Relative load as the strategy defines it, computed here by brute force. */
function loadOf(w: WorkerView, now: number, slowStartMs: number): number {
  if (!(w.capacity > 0)) return Number.POSITIVE_INFINITY;
  const ramp = slowStartMs > 0 ? 1 - slowStartFactor(w, now, slowStartMs, 0.1) : 0;
  return (w.inFlight + ramp) / (w.capacity * effectiveWeight(w));
}

type Step =
  | { op: 'pick'; requires: number; assign: boolean }
  | { op: 'finish'; which: number; how: 'succeed' | 'fail' | 'cancel'; poolOrder: boolean }
  | { op: 'add'; capacity: number; weight: number; caps: number }
  | { op: 'remove'; which: number }
  | { op: 'state'; which: number; to: 'connected' | 'backoff' | 'disconnected' }
  | { op: 'update'; which: number; capacity: number; weight: number }
  | { op: 'advance'; ms: number };

const weightArb = fc.constantFrom(0.5, 1, 1, 2, 3);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('pick' as const),
      requires: fc.constantFrom(0, 0, 0, 0, 0, 1, 2, 3),
      assign: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('finish' as const),
      which: fc.nat(),
      how: fc.constantFrom('succeed' as const, 'fail' as const, 'cancel' as const),
      poolOrder: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      capacity: fc.integer({ min: 0, max: 8 }),
      weight: weightArb,
      caps: fc.nat(3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), which: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('state' as const),
      which: fc.nat(),
      to: fc.constantFrom('connected' as const, 'backoff' as const, 'disconnected' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('update' as const),
      which: fc.nat(),
      capacity: fc.integer({ min: 0, max: 8 }),
      weight: weightArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
  },
);

/**
 * Finish a running task in the pool's order: the event first (the view still counts the task),
 * then the slot is released. FakeFleet's own `succeed`/`fail` release first and emit after.
 */
function finishInPoolOrder(
  fleet: FakeFleet,
  clock: VirtualClock,
  task: TaskView,
  id: string,
  how: string,
): void {
  const w = fleet.workers.get(id)!;
  const at = clock.now();
  const base = { at, task: task.id, kind: task.kind, worker: id };
  if (how === 'succeed') fleet.events$.next({ ...base, type: 'task-succeeded', attempt: 1, latencyMs: 5 });
  else if (how === 'fail')
    fleet.events$.next({
      ...base,
      type: 'task-failed',
      attempt: 1,
      latencyMs: 5,
      failure: 'transient',
      willRetry: true,
    });
  else fleet.events$.next({ ...base, type: 'task-cancelled', reason: 'aborted' });
  w.inFlight--;
  if (w.state === 'busy') fleet.setState(id, 'connected', 'slot-freed');
}

/** What `updateWorker` does in the pool: the new shape, the state it implies, then the event. */
function update(fleet: FakeFleet, clock: VirtualClock, id: string, capacity: number, weight: number): void {
  const w = fleet.workers.get(id)!;
  w.capacity = capacity;
  w.weight = weight;
  if (w.state === 'connected' && w.inFlight >= capacity) fleet.setState(id, 'busy', 'capacity-changed');
  else if (w.state === 'busy' && w.inFlight < capacity) fleet.setState(id, 'connected', 'capacity-changed');
  fleet.events$.next({
    type: 'worker-updated',
    at: clock.now(),
    worker: id,
    capacity,
    capabilities: [...w.capabilities],
    weight,
  });
}

describe('leastLoaded with its index', () => {
  it('picks a candidate with the brute-force minimum relative load, whatever the fleet does', () => {
    fc.assert(
      fc.property(
        fc.record({
          initial: fc.integer({ min: 64, max: 140 }),
          slowStartMs: fc.constantFrom(0, 0, 0, 5_000),
          preload: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 16 }),
          steps: fc.array(stepArb, { minLength: 20, maxLength: 250 }),
        }),
        ({ initial, slowStartMs, preload, steps }) => {
          const clock = new VirtualClock(1_000_000);
          const fleet = new FakeFleet(clock);
          // A random draw above every slow-start factor reached here (ticks are whole ms, so the
          // factor is at most 4,999/5,000): no probe, so the pick is the exact minimum load.
          const ll = leastLoaded({ clock, slowStartMs, random: () => 0.9999 });
          const sub = ll.observe!(fleet.events$);
          let nextId = 0;
          const add = (capacity: number, weight: number, caps: number) =>
            fleet.add(`w${nextId++}`, { capacity, weight, capabilities: capsOf(caps) });
          const running: { task: TaskView; worker: string }[] = [];
          // A working fleet: most workers already carry tasks, so loads differ and few are idle.
          for (let i = 0; i < initial; i++) {
            const w = add(2 + (i % 7), i % 5 === 0 ? 2 : 1, i % 4);
            for (let k = 0; k < preload[i % preload.length]! % w.capacity; k++) {
              const task = makeTask();
              fleet.assign(task, w);
              running.push({ task, worker: w.id });
            }
          }
          const ids = () => [...fleet.workers.keys()];
          const nth = (k: number) => {
            const all = ids();
            return all.length === 0 ? undefined : all[k % all.length];
          };
          for (const step of steps) {
            switch (step.op) {
              case 'pick': {
                const requires = capsOf(step.requires);
                const cands = fleet.candidates((w) => requires.every((c) => w.capabilities.has(c)));
                const task = makeTask({ requires });
                const picked = ll.select(task, cands);
                if (cands.length === 0) {
                  expect(picked).toBeUndefined();
                  break;
                }
                expect(picked).toBeDefined();
                expect(cands.has(picked!)).toBe(true);
                const now = clock.now();
                let min = Number.POSITIVE_INFINITY;
                for (const w of cands) min = Math.min(min, loadOf(w, now, slowStartMs));
                expect(loadOf(picked!, now, slowStartMs)).toBe(min);
                if (step.assign) {
                  fleet.assign(task, picked!);
                  running.push({ task, worker: picked!.id });
                }
                break;
              }
              case 'finish': {
                if (running.length === 0) break;
                const [r] = running.splice(step.which % running.length, 1);
                if (step.poolOrder || step.how === 'cancel')
                  finishInPoolOrder(fleet, clock, r!.task, r!.worker, step.how);
                else if (step.how === 'succeed') fleet.succeed(r!.task, r!.worker, 5);
                else fleet.fail(r!.task, r!.worker, 'transient', 5);
                break;
              }
              case 'add':
                add(step.capacity, step.weight, step.caps);
                break;
              case 'remove': {
                const id = nth(step.which);
                // The pool removes a worker only once its tasks are done.
                if (id !== undefined && !running.some((r) => r.worker === id)) fleet.remove(id);
                break;
              }
              case 'state': {
                const id = nth(step.which);
                if (id === undefined) break;
                const w = fleet.workers.get(id)!;
                const to = step.to === 'connected' && w.inFlight >= w.capacity ? 'busy' : step.to;
                fleet.setState(id, to, 'test');
                break;
              }
              case 'update': {
                const id = nth(step.which);
                if (id !== undefined) update(fleet, clock, id, step.capacity, step.weight);
                break;
              }
              case 'advance':
                clock.tick(step.ms);
                break;
            }
          }
          for (const r of running) fleet.succeed(r.task, r.worker, 1);
          for (const id of ids()) fleet.remove(id);
          expect(ll.trackedWorkers()).toEqual([]);
          sub!.unsubscribe();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('learns a late worker that only some tasks can use before it answers from the index', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const ll = leastLoaded({ clock, slowStartMs: 0 });
    ll.observe!(fleet.events$);
    for (let i = 0; i < 100; i++) fleet.add(`w${i}`, { capacity: 4, capabilities: ['a'] }).inFlight = 1;
    // Index every worker, then add an idle one that tasks requiring 'a' never see.
    ll.select(makeTask(), fleet.candidates());
    fleet.add('late', { capacity: 4, capabilities: ['b'] });
    const onlyA = fleet.candidates((w) => w.capabilities.has('a'));
    expect(ll.select(makeTask({ requires: ['a'] }), onlyA)!.id).not.toBe('late');
    expect(ll.select(makeTask(), fleet.candidates())!.id).toBe('late');
  });

  it('rotates ties among equally loaded workers when answering from the index', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const ll = leastLoaded({ clock, slowStartMs: 0 });
    ll.observe!(fleet.events$);
    for (let i = 0; i < 200; i++) fleet.add(`w${i}`, { capacity: 8 }).inFlight = 1 + (i % 2);
    const cands = fleet.candidates();
    const picks = new Set<string>();
    for (let i = 0; i < 100; i++) picks.add(ll.select(makeTask(), cands)!.id);
    // The 100 workers with one task each take one turn each.
    expect(picks.size).toBe(100);
    for (const id of picks) expect(Number(id.slice(1)) % 2).toBe(0);
  });

  it('spreads a burst evenly from the index', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const ll = leastLoaded({ clock });
    ll.observe!(fleet.events$);
    for (let i = 0; i < 500; i++) fleet.add(`s${i}`, { capacity: 100 });
    clock.tick(60_000);
    for (let i = 0; i < 5_000; i++) {
      const task = makeTask();
      fleet.assign(task, ll.select(task, fleet.candidates())!);
    }
    for (const w of fleet.workers.values()) expect(w.inFlight).toBe(10);
  });

  it('reads the candidates a bounded number of times per pick, not once per candidate', () => {
    const readsPerPick = (n: number): number => {
      const clock = new VirtualClock(0);
      const fleet = new FakeFleet(clock);
      const ll = leastLoaded({ clock });
      ll.observe!(fleet.events$);
      // A working fleet, as in the benchmark: 1–7 of 8 slots busy.
      for (let i = 0; i < n; i++) {
        const w = fleet.add(`w${i}`, { capacity: 8 });
        for (let k = 0; k <= i % 7; k++) fleet.assign(makeTask(), w);
      }
      clock.tick(60_000);
      const first = fleet.candidates();
      ll.select(makeTask(), first); // learns the views: one pass
      let max = 0;
      const running: { task: TaskView; worker: string }[] = [];
      for (let i = 0; i < 400; i++) {
        const { proxy, count } = countingCandidates(fleet.candidates());
        const task = makeTask();
        const w = ll.select(task, proxy)!;
        max = Math.max(max, count());
        fleet.assign(task, w);
        running.push({ task, worker: w.id });
        if (i % 3 === 0) {
          const r = running.shift()!;
          fleet.succeed(r.task, r.worker, 5);
        }
      }
      return max;
    };
    const at1k = readsPerPick(1_000);
    const at10k = readsPerPick(10_000);
    expect(at1k).toBeLessThanOrEqual(40);
    expect(at10k).toBeLessThanOrEqual(40);
  });
});
