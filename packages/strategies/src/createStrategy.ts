import { ValidationError } from '@switchyard/core';
import { type AdaptiveOptions, type AdaptiveStrategyHandle, adaptive } from './adaptive.js';
import { type CapabilityBasedOptions, capabilityBased } from './capabilityBased.js';
import { type ConsistentHashOptions, consistentHash } from './consistentHash.js';
import type { InspectableStrategy } from './inspectable.js';
import { type LeastLoadedOptions, leastLoaded } from './leastLoaded.js';
import { nearestName, squash } from './nearestName.js';
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

// Each spelling that is not the name itself is pointed out once per process, not on every call.
const spellingsPointedOut = new Set<string>();

/**
 * The built-in strategy `spelling` names. The one spelling is the kebab-case `Strategy.name`
 * (`p2c-peak-ewma`); camelCase (`p2cPeakEwma`, the factory's name), snake_case
 * (`p2c_peak_ewma`) and any case or separator still work, and the first use of each such
 * spelling emits a process warning (code `SWITCHYARD_STRATEGY_NAME`) naming the one to write.
 *
 * @throws ValidationError (field `strategy`) for a name of no built-in strategy: the message
 *   suggests the nearest name, when one is close, and lists them all.
 *
 * @example
 * ```ts
 * strategyName('p2c-peak-ewma'); // 'p2c-peak-ewma'
 * strategyName('p2cPeakEwma'); // 'p2c-peak-ewma', with a warning
 * strategyName('p2c-peak-ewa'); // ValidationError: … did you mean "p2c-peak-ewma"? …
 * ```
 */
export function strategyName(spelling: string): StrategyName {
  if (typeof spelling === 'string' && Object.hasOwn(factories, spelling)) return spelling as StrategyName;
  const wanted = typeof spelling === 'string' ? squash(spelling) : undefined;
  const name = strategyNames.find((n) => wanted !== undefined && wanted !== '' && squash(n) === wanted);
  if (name === undefined) {
    const near = typeof spelling === 'string' ? nearestName(spelling, strategyNames) : undefined;
    const hint = near === undefined ? '' : `did you mean ${JSON.stringify(near)}? `;
    throw new ValidationError([
      {
        field: 'strategy',
        reason: `unknown strategy ${JSON.stringify(spelling)}; ${hint}use one of ${strategyNames.join(', ')}`,
      },
    ]);
  }
  if (!spellingsPointedOut.has(spelling)) {
    spellingsPointedOut.add(spelling);
    globalThis.process?.emitWarning?.(
      `strategy ${JSON.stringify(spelling)} is spelled ${JSON.stringify(name)}; other spellings still work but may be removed`,
      { type: 'DeprecationWarning', code: 'SWITCHYARD_STRATEGY_NAME' },
    );
  }
  return name;
}

/**
 * A fresh built-in strategy by name, for configuration files, command lines and adapters that
 * take a strategy as a string. Write the kebab-case name (`'p2c-peak-ewma'`); other spellings
 * are read as `strategyName` reads them. The options go to the factory unchanged and are
 * checked there: a bad one throws `InvalidStrategyOptionError`. Pass the pool's `clock` and
 * `random` for a replayable run. The strategy's `name` is always the kebab-case one.
 *
 * @throws ValidationError (field `strategy`) for a name that is not a built-in strategy; the
 *   message suggests the nearest name and lists the known ones.
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
  return factories[strategyName(name)](options);
}
