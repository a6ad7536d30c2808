import { type Clock, type Random, systemClock } from '@switchyard/core';
import { InvalidStrategyOptionError } from './errors.js';

/** Options every built-in strategy accepts, so a run can be replayed exactly. */
export interface CommonStrategyOptions {
  /** Randomness in [0, 1). Default `Math.random`; pass `seededRandom(seed)` from core to replay a run. */
  random?: Random;
  /** Only `now()` is read. Default: core's system clock. Pass the pool's clock (or a `VirtualClock`). */
  clock?: Pick<Clock, 'now'>;
  /**
   * Slow start: a worker that just became ready (joined, back from backoff, reconnected) gets a
   * share that grows linearly from `slowStartMinFactor` to its full share over this many ms.
   * 0 turns slow start off.
   */
  slowStartMs?: number;
  /** Smallest share factor during slow start, so a new worker still gets probed. Default 0.1. */
  slowStartMinFactor?: number;
}

export interface ResolvedCommon {
  readonly random: Random;
  readonly clock: Pick<Clock, 'now'>;
  readonly slowStartMs: number;
  readonly slowStartMinFactor: number;
}

export function resolveCommon(
  strategy: string,
  options: CommonStrategyOptions,
  defaultSlowStartMs: number,
): ResolvedCommon {
  const slowStartMs = options.slowStartMs ?? defaultSlowStartMs;
  const slowStartMinFactor = options.slowStartMinFactor ?? 0.1;
  nonNegative(strategy, 'slowStartMs', slowStartMs);
  if (!(slowStartMinFactor > 0 && slowStartMinFactor <= 1)) {
    throw new InvalidStrategyOptionError(strategy, 'slowStartMinFactor', 'must be in (0, 1]');
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new InvalidStrategyOptionError(strategy, 'random', 'must be a function returning [0, 1)');
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw new InvalidStrategyOptionError(strategy, 'clock', 'must have a now() method');
  }
  return {
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    slowStartMs,
    slowStartMinFactor,
  };
}

export function nonNegative(strategy: string, field: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new InvalidStrategyOptionError(strategy, field, `must be a finite number >= 0, got ${value}`);
  }
}

export function positive(strategy: string, field: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidStrategyOptionError(strategy, field, `must be a finite number > 0, got ${value}`);
  }
}
