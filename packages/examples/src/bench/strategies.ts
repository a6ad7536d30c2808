// Cost per `select` of every built-in strategy at 10, 1,000 and 10,000 candidates.
import { type Strategy, seededRandom, VirtualClock } from '@switchyard/core';
import { builtinStrategyFactories } from '@switchyard/strategies/simulator';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';

export interface Row {
  strategy: string;
  candidates: number;
  nsPerSelect: number;
}

function measure(strategy: Strategy, n: number): number {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  strategy.observe?.(fleet.events$);
  for (let i = 0; i < n; i++) fleet.add(`w${i}`, { capacity: 8 });
  clock.tick(3_600_000);
  const cands = fleet.candidates();
  const tasks = Array.from({ length: 1_024 }, (_, i) => makeTask({ key: `k${i}` }));
  const iterations = Math.max(2_000, Math.min(200_000, Math.floor(20_000_000 / n)));
  for (let i = 0; i < iterations / 4; i++) strategy.select(tasks[i & 1023]!, cands); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) strategy.select(tasks[i & 1023]!, cands);
  return Number(process.hrtime.bigint() - start) / iterations;
}

export async function benchStrategies(sizes: readonly number[] = [10, 1_000, 10_000]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, factory] of Object.entries(builtinStrategyFactories)) {
    for (const n of sizes) {
      const strategy = factory({ random: seededRandom(1), clock: new VirtualClock(3_600_000) });
      rows.push({ strategy: name, candidates: n, nsPerSelect: Math.round(measure(strategy, n)) });
    }
  }
  return rows;
}
