import type { Clock, Random, Strategy } from '@switchyard/core';
import { ValidationError } from '@switchyard/core';
import {
  type StrategyName as BuiltinStrategyName,
  createStrategy,
  strategyName,
  strategyNames,
} from '@switchyard/strategies';

/**
 * A built-in strategy by its name: `'round-robin'`, `'least-loaded'`, `'p2c-peak-ewma'`,
 * `'adaptive'`, `'weighted-response-time'`, … (`strategyNames` of `@switchyard/strategies`).
 * p2c-peak-ewma and adaptive did best on Telegram-like flood waits in the simulator. Other
 * spellings (`p2cPeakEwma`, `p2c_peak_ewma`) still work at run time, with a warning.
 */
export type StrategyName = BuiltinStrategyName;

export const DEFAULT_STRATEGY: StrategyName = 'round-robin';

/** The manager's clock and randomness, so a named strategy replays with the rest of the run. */
export interface StrategyContext {
  readonly clock: Clock;
  readonly random: Random;
}

/**
 * Resolve a strategy name (through `@switchyard/strategies`' `strategyName` and
 * `createStrategy`) or object. A named strategy is known by its kebab-case name, however it
 * was spelled. An unknown name is a `ValidationError` suggesting the nearest and listing the
 * known ones.
 */
export function resolveStrategy(
  strategy: unknown,
  ctx: StrategyContext,
): { name: string; strategy: Strategy } {
  if (typeof strategy === 'string') {
    const name = strategyName(strategy);
    return { name, strategy: createStrategy(name, { clock: ctx.clock, random: ctx.random }) };
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
    { field: 'strategy', reason: `must be one of ${strategyNames.join(', ')} or a Strategy object` },
  ]);
}
