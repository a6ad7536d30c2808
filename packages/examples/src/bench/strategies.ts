// Cost per `select` of every built-in strategy at 10, 1,000 and 10,000 candidates.
import { type Strategy, seededRandom, VirtualClock } from '@switchyard/core';
import { createStrategy, strategyNames } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { type BenchPlan, FULL_PLAN } from './plan.js';

export interface Row {
  strategy: string;
  candidates: number;
  nsPerSelect: number;
}

function measure(strategy: Strategy, n: number, timeBoxMs: BenchPlan['strategyTimeBoxMs']): number {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  strategy.observe?.(fleet.events$);
  // Every worker has 1–7 of its 8 slots busy and a latency history, so no strategy can stop
  // early at an idle worker: this is the cost of a pick in a working pool.
  for (let i = 0; i < n; i++) {
    const w = fleet.add(`w${i}`, { capacity: 8 });
    for (let k = 0; k < 1 + (i % 7); k++) {
      const t = makeTask();
      fleet.assign(t, w);
      if (k === 0) {
        fleet.succeed(t, w.id, 50 + (i % 13) * 10);
        fleet.assign(makeTask(), w);
      }
    }
  }
  clock.tick(3_600_000);
  const cands = fleet.candidates();
  const tasks = Array.from({ length: 1_024 }, (_, i) => makeTask({ key: `k${i}` }));
  // Time-boxed rather than a fixed count, so an O(1) pick gets enough iterations to be measured
  // warm, and an O(n) pick at 10,000 candidates does not take minutes.
  const run = (ms: number): number => {
    const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
    const start = process.hrtime.bigint();
    let iterations = 0;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 256; i++) strategy.select(tasks[(iterations + i) & 1023]!, cands);
      iterations += 256;
      now = process.hrtime.bigint();
    }
    return Number(now - start) / iterations;
  };
  run(timeBoxMs.warmUp); // let the JIT settle
  return run(timeBoxMs.measured);
}

export async function benchStrategies(
  sizes: readonly number[] = FULL_PLAN.strategyCandidates,
  timeBoxMs: BenchPlan['strategyTimeBoxMs'] = FULL_PLAN.strategyTimeBoxMs,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of strategyNames) {
    for (const n of sizes) {
      const strategy = createStrategy(name, { random: seededRandom(1), clock: new VirtualClock(3_600_000) });
      rows.push({ strategy: name, candidates: n, nsPerSelect: Math.round(measure(strategy, n, timeBoxMs)) });
    }
  }
  return rows;
}
