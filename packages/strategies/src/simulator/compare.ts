import { createStrategy, strategyNames } from '../createStrategy.js';
import { markdownTable } from './markdownTable.js';
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

/** The results as a Markdown table whose columns line up, in a terminal as in a README. */
export function formatResults(results: readonly SimResult[]): string {
  return markdownTable(
    ['scenario', 'strategy', 'p50', 'p99', 'p99.9', 'success', 'imbalance', 'divert', 'flood waits'],
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    results.map((r) => [
      r.scenario,
      r.strategy,
      ms(r.p50),
      ms(r.p99),
      ms(r.p999),
      `${(r.successRate * 100).toFixed(2)} %`,
      r.imbalance.toFixed(2),
      r.divertMs === undefined ? '' : r.divertMs === null ? 'never' : ms(r.divertMs),
      `${r.rateLimitHits}`,
    ]),
  );
}
