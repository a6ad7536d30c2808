import type { Random } from '@switchyard/core';

/** One simulated worker. */
export interface SimWorkerSpec {
  id: string;
  /** Tasks it runs at once; more wait in its own queue (their latency includes the wait). */
  parallelism: number;
  /** Tasks it accepts at once (running + waiting), as the pool's `capacity`. */
  capacity: number;
  weight?: number;
  /** Service time of one task in ms. */
  serviceMs: (random: Random) => number;
  /** Chance that one run ends in a flood wait (rate limit). */
  rateLimitProbability?: number;
}

export interface Scenario {
  name: string;
  description: string;
  durationMs: number;
  /** Task arrivals per second (Poisson). */
  ratePerSec: number;
  workers: SimWorkerSpec[];
  /** Pin one worker's service time from `fromMs` to `toMs`. */
  slowdown?: { worker: string; fromMs: number; toMs: number; serviceMs: number };
  /** Flood-wait length range for rate-limited runs. */
  floodWaitMs?: { min: number; max: number };
  /** Independent balancers, each with its own strategy instance. Default 1. */
  balancers?: number;
  /** How old the load data each balancer sees is (its worker views refresh this often). Default 0: live. */
  staleMs?: number;
  /** Attempts per task before it fails. Default 5. */
  maxAttempts?: number;
}

const around = (base: number, spread: number) => (random: Random) =>
  base * (1 - spread + 2 * spread * random());

const workers = (n: number, f: (i: number) => Omit<SimWorkerSpec, 'id'>): SimWorkerSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `w${i}`, ...f(i) }));

/** Linkerd's "Beyond round robin" experiment: 11 workers at ~167 ms, 1000 tasks/s for 60 s. */
export function linkerdScenario(withSlowWorker = true): Scenario {
  return {
    name: withSlowWorker ? 'linkerd' : 'linkerd-baseline',
    description: withSlowWorker
      ? '11 workers ~167 ms, 1000 tasks/s, 60 s; w0 pinned at 2 s from 15 s to 45 s'
      : 'same, no slow worker',
    durationMs: 60_000,
    ratePerSec: 1_000,
    workers: workers(11, () => ({ parallelism: 1_000, capacity: 1_000, serviceMs: around(167, 0.25) })),
    ...(withSlowWorker ? { slowdown: { worker: 'w0', fromMs: 15_000, toMs: 45_000, serviceMs: 2_000 } } : {}),
  };
}

/** Workers with capacity 1:2:4 (weights say so), at 70 % of total capacity. */
export function heterogeneousScenario(): Scenario {
  const speeds = [1, 2, 4];
  return {
    name: 'heterogeneous',
    description: '9 workers, parallelism 4/8/16 (weights 1:2:4), 100 ms, 590 tasks/s (70 %), 60 s',
    durationMs: 60_000,
    ratePerSec: 590,
    workers: workers(9, (i) => {
      const s = speeds[i % 3]!;
      return { parallelism: 4 * s, capacity: 16 * s, weight: s, serviceMs: around(100, 0.3) };
    }),
  };
}

/** Telegram-like sessions: one operation at a time, and random flood waits of 5–60 s. */
export function telegramScenario(): Scenario {
  return {
    name: 'telegram-flood',
    description:
      '20 sessions (1 op at a time, 200–800 ms), flood-wait chance 0.2–8 % per op, waits 5–60 s, 20 tasks/s, 60 s',
    durationMs: 60_000,
    ratePerSec: 20,
    workers: workers(20, (i) => ({
      parallelism: 1,
      capacity: 1,
      serviceMs: around(500, 0.6),
      rateLimitProbability: [0.002, 0.01, 0.03, 0.08][i % 4]!,
    })),
    floodWaitMs: { min: 5_000, max: 60_000 },
  };
}

/** Many balancers on stale load data: the herding case. */
export function herdingScenario(): Scenario {
  return {
    name: 'stale-herding',
    description:
      '10 balancers seeing load 500 ms old, 11 workers (parallelism 10, 100 ms), 800 tasks/s, 60 s',
    durationMs: 60_000,
    ratePerSec: 800,
    workers: workers(11, () => ({ parallelism: 10, capacity: 1_000, serviceMs: around(100, 0.5) })),
    balancers: 10,
    staleMs: 500,
  };
}

export function allScenarios(): Scenario[] {
  return [
    linkerdScenario(false),
    linkerdScenario(true),
    heterogeneousScenario(),
    telegramScenario(),
    herdingScenario(),
  ];
}
