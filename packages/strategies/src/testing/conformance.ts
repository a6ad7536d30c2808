import {
  type Candidates,
  type Clock,
  type Random,
  type Strategy,
  seededRandom,
  VirtualClock,
} from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInspectable } from '../inspectable.js';
import { FakeFleet, makeTask } from './fakeFleet.js';

/** What the kit passes to your factory: use them, so runs replay exactly. */
export interface ConformanceContext {
  random: Random;
  clock: Pick<Clock, 'now'>;
}

export interface ConformanceOptions {
  /** fast-check runs per property. Default 60. */
  numRuns?: number;
  /** A pick may read the candidates at most `perCandidate × n + constant` times. Default 4 and 100. */
  accessBudget?: { perCandidate: number; constant: number };
  /**
   * Set false if your strategy may return undefined for a non-empty candidate set (to leave a
   * task queued). Default true: a pick from ≥ 1 candidate must return a worker.
   */
  alwaysPicks?: boolean;
}

const CAPS = ['a', 'b', 'c'] as const;

/** One step of a generated scenario. */
type Step =
  | { op: 'pick'; requires: number; key: number | null; affinity: number[]; subset: number }
  | { op: 'finish'; ok: boolean; latency: number; failure: 0 | 1 | 2 }
  | { op: 'add'; capacity: number; caps: number; weight: number }
  | { op: 'remove'; which: number }
  | { op: 'backoff'; which: number; back: boolean }
  | { op: 'advance'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('pick' as const),
      requires: fc.nat(7),
      key: fc.option(fc.nat(50)),
      affinity: fc.array(fc.nat(30), { maxLength: 2 }),
      subset: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('finish' as const),
      ok: fc.boolean(),
      latency: fc.integer({ min: 0, max: 5000 }),
      failure: fc.constantFrom(0 as const, 1 as const, 2 as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      capacity: fc.integer({ min: 0, max: 4 }),
      caps: fc.nat(7),
      weight: fc.constantFrom(0, 0.5, 1, 2, 3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), which: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('backoff' as const), which: fc.nat(), back: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  },
);

const scenarioArb = fc.record({
  seed: fc.integer(),
  initial: fc.integer({ min: 1, max: 12 }),
  steps: fc.array(stepArb, { maxLength: 80 }),
});

type Scenario = { seed: number; initial: number; steps: Step[] };

function capsOf(mask: number): string[] {
  return CAPS.filter((_, i) => (mask >> i) & 1);
}

/** A Candidates proxy that counts every read (including `has` calls), so cost is measured in accesses, not time. */
export function countingCandidates(c: Candidates): { proxy: Candidates; count: () => number } {
  let n = 0;
  const proxy = new Proxy(c, {
    get(target, prop, receiver) {
      n++;
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'has' || typeof v !== 'function') return v;
      return (w: never) => {
        n++;
        return target.has(w);
      };
    },
  });
  return { proxy, count: () => n };
}

interface RunResult {
  picks: (string | undefined)[];
  violations: string[];
}

/** Replay a scenario against a fresh strategy; record every pick and every broken rule. */
function run(
  factory: (ctx: ConformanceContext) => Strategy,
  sc: Scenario,
  options: Required<ConformanceOptions>,
): RunResult {
  const clock = new VirtualClock(1_000_000);
  const strategy = factory({ random: seededRandom(sc.seed), clock });
  const fleet = new FakeFleet(clock);
  const sub = strategy.observe?.(fleet.events$);
  const picks: (string | undefined)[] = [];
  const violations: string[] = [];
  const running: { task: ReturnType<typeof makeTask>; worker: string }[] = [];
  let nextId = 0;
  let taskId = 1;
  const add = (capacity: number, caps: number, weight: number) =>
    fleet.add(`w${nextId++}`, { capacity, capabilities: capsOf(caps), weight });
  for (let i = 0; i < sc.initial; i++) add(1 + (i % 3), i % 8, 1);
  const ids = () => [...fleet.workers.keys()];
  for (const step of sc.steps) {
    switch (step.op) {
      case 'advance':
        clock.tick(step.ms);
        break;
      case 'add':
        add(step.capacity, step.caps, step.weight);
        break;
      case 'remove': {
        const all = ids();
        const id = all[step.which % Math.max(all.length, 1)];
        // The pool removes a worker only after its in-flight work is done.
        if (id !== undefined && !running.some((r) => r.worker === id)) fleet.remove(id);
        break;
      }
      case 'backoff': {
        const all = ids();
        const id = all[step.which % Math.max(all.length, 1)];
        if (id !== undefined) fleet.setState(id, step.back ? 'backoff' : 'connected', 'test');
        break;
      }
      case 'finish': {
        const r = running.shift();
        if (!r) break;
        clock.tick(step.latency);
        if (step.ok) fleet.succeed(r.task, r.worker, step.latency);
        else {
          const kind = (['transient', 'rate-limited', 'worker-fatal'] as const)[step.failure];
          fleet.fail(r.task, r.worker, kind, step.latency, kind === 'rate-limited' ? 5_000 : undefined);
        }
        break;
      }
      case 'pick': {
        const requires = capsOf(step.requires);
        const all = ids();
        const affinity = step.affinity.map((a) => `w${a}`);
        const task = makeTask({
          id: taskId++,
          requires,
          key: step.key === null ? undefined : `k${step.key}`,
          affinity,
          antiAffinity: step.subset === 0 && all.length > 1 ? [all[0]!] : [],
        });
        // The pool filters requires and anti-affinity; the kit hands over exactly that.
        const cands = fleet.candidates(
          (w) => requires.every((c) => w.capabilities.has(c)) && !task.antiAffinity.includes(w.id),
        );
        const { proxy, count } = countingCandidates(cands);
        let picked: ReturnType<Strategy['select']>;
        try {
          picked = strategy.select(task, proxy);
        } catch (err) {
          violations.push(`select threw: ${String(err)}`);
          break;
        }
        const reads = count();
        const budget = options.accessBudget.perCandidate * cands.length + options.accessBudget.constant;
        if (reads > budget)
          violations.push(`read candidates ${reads} times for ${cands.length} (budget ${budget})`);
        if (picked !== undefined && !cands.has(picked))
          violations.push(`picked ${picked.id}, not a candidate`);
        if (picked !== undefined && task.antiAffinity.includes(picked.id)) {
          violations.push(`picked ${picked.id}, which the task's anti-affinity forbids`);
        }
        if (picked === undefined && cands.length > 0 && options.alwaysPicks) {
          violations.push(`returned undefined with ${cands.length} candidates`);
        }
        picks.push(picked?.id);
        if (picked !== undefined) {
          fleet.assign(task, picked);
          running.push({ task, worker: picked.id });
        }
        break;
      }
    }
  }
  // Finish everything, then remove every worker: nothing may be left behind.
  for (const r of running) fleet.succeed(r.task, r.worker, 10);
  for (const id of ids()) fleet.remove(id);
  if (isInspectable(strategy)) {
    const left = strategy.trackedWorkers();
    if (left.length > 0) violations.push(`still tracks removed workers: ${left.join(', ')}`);
  }
  sub?.unsubscribe();
  return { picks, violations };
}

/**
 * The conformance suite for strategy authors. Call it from a Vitest file:
 *
 * ```ts
 * import { describeStrategyConformance } from '@switchyard/strategies/testing';
 * describeStrategyConformance('my-strategy', ({ random, clock }) => myStrategy({ random, clock }));
 * ```
 *
 * With fast-check it generates fleets that grow, shrink, back off and finish work, and checks
 * that the strategy picks only candidates, returns a worker whenever there is one, never
 * throws, replays exactly under a seed, keeps no state for removed workers (when it implements
 * `trackedWorkers()`), and reads the candidates at most O(n) times per pick.
 */
export function describeStrategyConformance(
  name: string,
  factory: (ctx: ConformanceContext) => Strategy,
  options: ConformanceOptions = {},
): void {
  const opts: Required<ConformanceOptions> = {
    numRuns: options.numRuns ?? 60,
    accessBudget: options.accessBudget ?? { perCandidate: 4, constant: 100 },
    alwaysPicks: options.alwaysPicks ?? true,
  };
  describe(`strategy conformance: ${name}`, () => {
    it('picks only candidates, never throws, respects anti-affinity, costs O(candidates), forgets removed workers', () => {
      fc.assert(
        fc.property(scenarioArb, (sc) => {
          expect(run(factory, sc, opts).violations).toEqual([]);
        }),
        { numRuns: opts.numRuns },
      );
    });

    it('replays exactly under the same seed and clock', () => {
      fc.assert(
        fc.property(scenarioArb, (sc) => {
          expect(run(factory, sc, opts).picks).toEqual(run(factory, sc, opts).picks);
        }),
        { numRuns: Math.ceil(opts.numRuns / 2) },
      );
    });

    it('keeps a pick within the access budget at 2,000 candidates', () => {
      const clock = new VirtualClock(1_000_000);
      const strategy = factory({ random: seededRandom(7), clock });
      const fleet = new FakeFleet(clock);
      const sub = strategy.observe?.(fleet.events$);
      for (let i = 0; i < 2_000; i++) fleet.add(`w${i}`, { capacity: 4 });
      clock.tick(60_000);
      const cands = fleet.candidates();
      for (let i = 0; i < 50; i++) {
        const { proxy, count } = countingCandidates(cands);
        const task = makeTask({ key: `k${i}` });
        const w = strategy.select(task, proxy);
        expect(count()).toBeLessThanOrEqual(
          opts.accessBudget.perCandidate * 2_000 + opts.accessBudget.constant,
        );
        expect(w === undefined || cands.has(w)).toBe(true);
      }
      sub?.unsubscribe();
    });
  });
}
