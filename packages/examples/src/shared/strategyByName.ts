import type { Clock, Random, Strategy } from '@switchyard/core';
import {
  adaptive,
  capabilityBased,
  consistentHash,
  leastLoaded,
  p2cPeakEwma,
  performanceBased,
  roundRobin,
  weightedResponseTime,
} from '@switchyard/strategies';

type Factory = (ctx: { random: Random; clock: Pick<Clock, 'now'> }) => Strategy;

/** The built-in strategies under their command-line names. */
export const STRATEGIES: Readonly<Record<string, Factory>> = {
  'round-robin': (ctx) => roundRobin(ctx),
  'least-loaded': (ctx) => leastLoaded(ctx),
  'p2c-peak-ewma': (ctx) => p2cPeakEwma(ctx),
  adaptive: (ctx) => adaptive(ctx),
  'performance-based': (ctx) => performanceBased(ctx),
  'weighted-response-time': (ctx) => weightedResponseTime(ctx),
  'capability-based': (ctx) => capabilityBased(ctx),
  'consistent-hash': (ctx) => consistentHash(ctx),
};

export const STRATEGY_NAMES = Object.keys(STRATEGIES);

/** A fresh strategy by command-line name; undefined for an unknown name. */
export function strategyByName(
  name: string,
  ctx: { random: Random; clock: Pick<Clock, 'now'> },
): Strategy | undefined {
  return Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name]!(ctx) : undefined;
}
