import { ValidationError } from '@switchyard/core';
import { type AdaptiveOptions, type AdaptiveStrategyHandle, adaptive } from './adaptive.js';
import { type CapabilityBasedOptions, capabilityBased } from './capabilityBased.js';
import { type ConsistentHashOptions, consistentHash } from './consistentHash.js';
import type { InspectableStrategy } from './inspectable.js';
import { type LeastLoadedOptions, leastLoaded } from './leastLoaded.js';
import type { CommonStrategyOptions } from './options.js';
import { type P2cPeakEwmaOptions, p2cPeakEwma } from './p2cPeakEwma.js';
import {
  type PerformanceBasedHandle,
  type PerformanceBasedOptions,
  performanceBased,
} from './performanceBased.js';
import { type RoundRobinOptions, roundRobin } from './roundRobin.js';
import {
  type SmoothWeightedRoundRobinOptions,
  smoothWeightedRoundRobin,
} from './smoothWeightedRoundRobin.js';
import { type WeightedResponseTimeOptions, weightedResponseTime } from './weightedResponseTime.js';

/**
 * Every built-in strategy by its `Strategy.name`: the options its factory takes and what the
 * factory returns.
 */
export interface BuiltinStrategies {
  'round-robin': { options: RoundRobinOptions; strategy: InspectableStrategy };
  'smooth-weighted-round-robin': { options: SmoothWeightedRoundRobinOptions; strategy: InspectableStrategy };
  'least-loaded': { options: LeastLoadedOptions; strategy: InspectableStrategy };
  'capability-based': { options: CapabilityBasedOptions; strategy: InspectableStrategy };
  'performance-based': { options: PerformanceBasedOptions; strategy: PerformanceBasedHandle };
  'weighted-response-time': { options: WeightedResponseTimeOptions; strategy: InspectableStrategy };
  'p2c-peak-ewma': { options: P2cPeakEwmaOptions; strategy: InspectableStrategy };
  'consistent-hash': { options: ConsistentHashOptions; strategy: InspectableStrategy };
  adaptive: { options: AdaptiveOptions; strategy: AdaptiveStrategyHandle };
}

/** The name of a built-in strategy: `'round-robin'`, `'p2c-peak-ewma'`, … (its `Strategy.name`). */
export type StrategyName = keyof BuiltinStrategies;

// Keyed by each factory's `Strategy.name` (a test holds them to it); this order is the order
// help texts, the simulator and the benchmarks list them in.
const factories: {
  readonly [N in StrategyName]: (
    options?: BuiltinStrategies[N]['options'],
  ) => BuiltinStrategies[N]['strategy'];
} = {
  'round-robin': roundRobin,
  'smooth-weighted-round-robin': smoothWeightedRoundRobin,
  'least-loaded': leastLoaded,
  'capability-based': capabilityBased,
  'performance-based': performanceBased,
  'weighted-response-time': weightedResponseTime,
  'p2c-peak-ewma': p2cPeakEwma,
  'consistent-hash': consistentHash,
  adaptive,
};

/** The names `createStrategy` knows, in a stable order. */
export const strategyNames: readonly StrategyName[] = Object.freeze(Object.keys(factories) as StrategyName[]);

/**
 * A fresh built-in strategy by name, for configuration files, command lines and adapters that
 * take a strategy as a string. `_` reads as `-`, so `round_robin` and `least_loaded` work
 * too. The options go to the factory unchanged and are checked there: a bad one throws
 * `InvalidStrategyOptionError`. Pass the pool's `clock` and `random` for a replayable run.
 *
 * @throws ValidationError (field `strategy`) for a name that is not a built-in strategy; the
 *   message lists the known names.
 *
 * @example
 * ```ts
 * const strategy = createStrategy('p2c-peak-ewma', { clock, random: seededRandom(42) });
 * ```
 */
export function createStrategy<N extends StrategyName>(
  name: N,
  options?: BuiltinStrategies[N]['options'],
): BuiltinStrategies[N]['strategy'];
export function createStrategy(name: string, options?: CommonStrategyOptions): InspectableStrategy;
export function createStrategy(name: string, options?: CommonStrategyOptions): InspectableStrategy {
  const key = typeof name === 'string' ? name.replaceAll('_', '-') : undefined;
  if (key === undefined || !Object.hasOwn(factories, key)) {
    throw new ValidationError([
      {
        field: 'strategy',
        reason: `unknown strategy ${JSON.stringify(name)}; use one of ${strategyNames.join(', ')}`,
      },
    ]);
  }
  return factories[key as StrategyName](options);
}
