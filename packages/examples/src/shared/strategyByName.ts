import type { Clock, Random, Strategy } from '@switchyard/core';
import { builtinStrategyFactories } from '@switchyard/strategies/simulator';

type Factory = (ctx: { random: Random; clock: Pick<Clock, 'now'> }) => Strategy;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The built-in strategies under their command-line names (`p2cPeakEwma` → `p2c-peak-ewma`). */
export const STRATEGIES: Readonly<Record<string, Factory>> = Object.fromEntries(
  Object.entries(builtinStrategyFactories).map(([name, factory]) => [kebab(name), factory]),
);

export const STRATEGY_NAMES = Object.keys(STRATEGIES);

/** A fresh strategy by command-line name; undefined for an unknown name. */
export function strategyByName(
  name: string,
  ctx: { random: Random; clock: Pick<Clock, 'now'> },
): Strategy | undefined {
  return Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name]!(ctx) : undefined;
}
