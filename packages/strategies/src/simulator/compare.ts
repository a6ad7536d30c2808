import { adaptive } from '../adaptive.js';
import { capabilityBased } from '../capabilityBased.js';
import { consistentHash } from '../consistentHash.js';
import { leastLoaded } from '../leastLoaded.js';
import { p2cPeakEwma } from '../p2cPeakEwma.js';
import { performanceBased } from '../performanceBased.js';
import { roundRobin } from '../roundRobin.js';
import { weightedResponseTime } from '../weightedResponseTime.js';
import { allScenarios, type Scenario } from './scenario.js';
import { type SimResult, type StrategyFactory, simulate } from './simulate.js';

/** Every built-in strategy, as simulator factories. */
export const builtinStrategyFactories: Readonly<Record<string, StrategyFactory>> = {
  roundRobin: (ctx) => roundRobin(ctx),
  leastLoaded: (ctx) => leastLoaded(ctx),
  capabilityBased: (ctx) => capabilityBased(ctx),
  performanceBased: (ctx) => performanceBased(ctx),
  weightedResponseTime: (ctx) => weightedResponseTime(ctx),
  p2cPeakEwma: (ctx) => p2cPeakEwma(ctx),
  consistentHash: (ctx) => consistentHash(ctx),
  adaptive: (ctx) => adaptive(ctx),
};

/** Run every scenario with every strategy. */
export function compareStrategies(
  scenarios: readonly Scenario[] = allScenarios(),
  factories: Readonly<Record<string, StrategyFactory>> = builtinStrategyFactories,
  seed = 1,
): SimResult[] {
  const out: SimResult[] = [];
  for (const sc of scenarios) for (const f of Object.values(factories)) out.push(simulate(sc, f, seed));
  return out;
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1_000).toFixed(1)} s` : `${Math.round(v)} ms`);

/** A Markdown table of results. */
export function formatResults(results: readonly SimResult[]): string {
  const lines = [
    '| scenario | strategy | p50 | p99 | p99.9 | success | imbalance | divert | flood waits |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of results) {
    const divert = r.divertMs === undefined ? '' : r.divertMs === null ? 'never' : ms(r.divertMs);
    lines.push(
      `| ${r.scenario} | ${r.strategy} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.p999)} | ${(r.successRate * 100).toFixed(2)} % | ${r.imbalance.toFixed(2)} | ${divert} | ${r.rateLimitHits} |`,
    );
  }
  return lines.join('\n');
}
