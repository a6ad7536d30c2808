import { type Strategy, seededRandom, VirtualClock } from '@switchyard/core';
import type { ConformanceContext } from './conformance.js';
import { FakeFleet, type FakeWorker, makeTask } from './fakeFleet.js';

/** One worker of a traffic run. */
export interface TrafficWorker {
  id: string;
  /** Default 1. */
  weight?: number;
  /** Default 1,000 (never full). */
  capacity?: number;
}

/** A steady stream of tasks through a `FakeFleet`, on virtual time. */
export interface TrafficOptions {
  workers: readonly TrafficWorker[];
  /** Picks to count. */
  picks: number;
  /** One task arrives every this many ms. */
  everyMs: number;
  /** How long a task runs on a worker, in ms (it succeeds with this latency). Default: 100 ms everywhere. */
  serviceMs?: (worker: string, now: number) => number;
  /** Virtual time before the first pick, so slow start is over. Default 60,000 ms. */
  warmupMs?: number;
  /** Seed of the strategy's `random`. Default 1. */
  seed?: number;
  /** Count only picks from this index on (earlier picks still run). Default 0. */
  countFrom?: number;
  /** Called before each pick with the fleet, to add, remove or back off workers at given times. */
  before?: (fleet: FakeFleet, pick: number, now: number) => void;
}

/** Picks per worker id, counted over the run from `countFrom`. */
export interface TrafficResult {
  counts: Map<string, number>;
  /** Fraction of all picks per worker. */
  shares: Map<string, number>;
}

/**
 * Drive a strategy with a steady stream of tasks: a task arrives every `everyMs`, runs for
 * `serviceMs` on the worker picked, and succeeds, with the pool's events. A short `everyMs`
 * keeps many tasks in flight; one longer than the service time leaves the pool idle between tasks.
 * Deterministic: a seeded `random` and a `VirtualClock`.
 */
export function runTraffic(
  factory: (ctx: ConformanceContext) => Strategy,
  options: TrafficOptions,
): TrafficResult {
  const clock = new VirtualClock(0);
  const strategy = factory({ random: seededRandom(options.seed ?? 1), clock });
  const fleet = new FakeFleet(clock);
  const sub = strategy.observe?.(fleet.events$);
  for (const w of options.workers) fleet.add(w.id, { weight: w.weight ?? 1, capacity: w.capacity ?? 1_000 });
  clock.tick(options.warmupMs ?? 60_000);
  const service = options.serviceMs ?? (() => 100);
  // Running tasks, kept sorted by finish time.
  const running: { at: number; task: ReturnType<typeof makeTask>; worker: FakeWorker; started: number }[] =
    [];
  const counts = new Map<string, number>();
  let total = 0;
  const finishUntil = (t: number): void => {
    while (running.length > 0 && running[0]!.at <= t) {
      const r = running.shift()!;
      if (r.at > clock.now()) clock.tick(r.at - clock.now());
      fleet.succeed(r.task, r.worker.id, r.at - r.started);
    }
    if (t > clock.now()) clock.tick(t - clock.now());
  };
  for (let i = 0; i < options.picks; i++) {
    finishUntil(clock.now() + (i === 0 ? 0 : options.everyMs));
    options.before?.(fleet, i, clock.now());
    const task = makeTask();
    const w = strategy.select(task, fleet.candidates());
    if (w === undefined) continue;
    const worker = fleet.workers.get(w.id)!;
    if (i >= (options.countFrom ?? 0)) {
      counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
      total++;
    }
    fleet.assign(task, worker);
    const now = clock.now();
    const at = now + Math.max(0, service(w.id, now));
    let k = running.length;
    while (k > 0 && running[k - 1]!.at > at) k--;
    running.splice(k, 0, { at, task, worker, started: now });
  }
  sub?.unsubscribe();
  const shares = new Map<string, number>();
  for (const [id, c] of counts) shares.set(id, total > 0 ? c / total : 0);
  return { counts, shares };
}
