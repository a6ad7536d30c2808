import type { Strategy } from '@switchyard/core';
import { ValidationError } from '@switchyard/core';
import { leastLoaded, roundRobin } from '@switchyard/strategies';

/** The seed's strategy names, plus any `Strategy` object. */
export type StrategyName = 'round_robin' | 'least_loaded';

export const DEFAULT_STRATEGY: StrategyName = 'round_robin';

const factories: Readonly<Record<StrategyName, () => Strategy>> = {
  round_robin: () => roundRobin(),
  least_loaded: () => leastLoaded(),
};

export const STRATEGY_NAMES = Object.keys(factories) as StrategyName[];

/** Resolve a strategy name or object; an unknown name is a `ValidationError` listing the known ones. */
export function resolveStrategy(strategy: unknown, field = 'strategy'): { name: string; strategy: Strategy } {
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
    return { name: strategy, strategy: factory() };
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
