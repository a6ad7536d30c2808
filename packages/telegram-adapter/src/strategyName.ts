import type { Clock, Random, Strategy } from '@switchyard/core';
import { ValidationError } from '@switchyard/core';
import {
  type StrategyName as BuiltinStrategyName,
  createStrategy,
  strategyNames,
} from '@switchyard/strategies';

/** `p2c-peak-ewma` → `p2c_peak_ewma`. */
type Underscored<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}_${Underscored<Tail>}`
  : S;

/**
 * A built-in strategy by name, in snake case (`round_robin`, `least_loaded`,
 * `p2c_peak_ewma`, `adaptive`, `weighted_response_time`, …) or as its `Strategy.name`
 * (`round-robin`, …): `_` and `-` are the same. p2c_peak_ewma and adaptive did best on
 * Telegram-like flood waits in the simulator. Or pass any `Strategy` object.
 */
export type StrategyName = Underscored<BuiltinStrategyName> | BuiltinStrategyName;

export const DEFAULT_STRATEGY: StrategyName = 'round_robin';

/** The manager's clock and randomness, so a named strategy replays with the rest of the run. */
export interface StrategyContext {
  readonly clock: Clock;
  readonly random: Random;
}

/** Every built-in name in snake case (each also works with `-`). */
export const STRATEGY_NAMES: readonly StrategyName[] = strategyNames.map(
  (name) => name.replaceAll('-', '_') as StrategyName,
);

/**
 * Resolve a strategy name (through `@switchyard/strategies`' `createStrategy`) or object. The
 * name given is kept as the strategy's name. An unknown name is a `ValidationError` listing the
 * known ones.
 */
export function resolveStrategy(
  strategy: unknown,
  ctx: StrategyContext,
): { name: string; strategy: Strategy } {
  if (typeof strategy === 'string') {
    return { name: strategy, strategy: createStrategy(strategy, { clock: ctx.clock, random: ctx.random }) };
  }
  if (
    typeof strategy === 'object' &&
    strategy !== null &&
    typeof (strategy as Strategy).select === 'function'
  ) {
    const s = strategy as Strategy;
    return { name: typeof s.name === 'string' ? s.name : 'custom', strategy: s };
  }
  throw new ValidationError([
    { field: 'strategy', reason: `must be one of ${STRATEGY_NAMES.join(', ')} or a Strategy object` },
  ]);
}
