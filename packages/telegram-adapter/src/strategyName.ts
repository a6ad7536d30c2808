import type { Clock, Random, Strategy } from '@switchyard/core';
import { ValidationError } from '@switchyard/core';
import { adaptive, leastLoaded, p2cPeakEwma, roundRobin, weightedResponseTime } from '@switchyard/strategies';

/**
 * The seed's strategy names (`round_robin`, `least_loaded`), the balancers that did best on
 * Telegram-like flood waits in the simulator (`p2c_peak_ewma`, `adaptive`), and
 * `weighted_response_time`; or pass any `Strategy` object.
 */
export type StrategyName =
  | 'round_robin'
  | 'least_loaded'
  | 'p2c_peak_ewma'
  | 'adaptive'
  | 'weighted_response_time';

export const DEFAULT_STRATEGY: StrategyName = 'round_robin';

/** The manager's clock and randomness, so a named strategy replays with the rest of the run. */
export interface StrategyContext {
  readonly clock: Clock;
  readonly random: Random;
}

const factories: Readonly<Record<StrategyName, (ctx: StrategyContext) => Strategy>> = {
  round_robin: (ctx) => roundRobin(ctx),
  least_loaded: (ctx) => leastLoaded(ctx),
  p2c_peak_ewma: (ctx) => p2cPeakEwma(ctx),
  adaptive: (ctx) => adaptive(ctx),
  weighted_response_time: (ctx) => weightedResponseTime(ctx),
};

export const STRATEGY_NAMES = Object.keys(factories) as StrategyName[];

/** Resolve a strategy name or object; an unknown name is a `ValidationError` listing the known ones. */
export function resolveStrategy(
  strategy: unknown,
  ctx: StrategyContext,
  field = 'strategy',
): { name: string; strategy: Strategy } {
  if (typeof strategy === 'string') {
    const factory = Object.hasOwn(factories, strategy) ? factories[strategy as StrategyName] : undefined;
    if (factory === undefined) {
      throw new ValidationError([
        {
          field,
          reason: `unknown strategy ${JSON.stringify(strategy)}; use one of ${STRATEGY_NAMES.join(', ')} or a Strategy object`,
        },
      ]);
    }
    return { name: strategy, strategy: factory(ctx) };
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
    { field, reason: `must be one of ${STRATEGY_NAMES.join(', ')} or a Strategy object` },
  ]);
}
