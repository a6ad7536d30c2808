import { createStrategy, strategyNames } from '../createStrategy.js';
import { allScenarios, type Scenario } from './scenario.js';
import { type SimResult, type StrategyFactory, simulate } from './simulate.js';

const builtins: readonly StrategyFactory[] = strategyNames.map((name) => (ctx) => createStrategy(name, ctx));

/**
 * Run every scenario with every strategy: by default the built-in ones, in `strategyNames`
 * order. To rank a strategy of your own, pass its factory in the list, e.g.
 * `[mine, ...strategyNames.map((n) => (ctx) => createStrategy(n, ctx))]`.
 */
export function compareStrategies(
  scenarios: readonly Scenario[] = allScenarios(),
  factories: readonly StrategyFactory[] = builtins,
  seed = 1,
): SimResult[] {
  const out: SimResult[] = [];
  for (const sc of scenarios) for (const f of factories) out.push(simulate(sc, f, seed));
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
