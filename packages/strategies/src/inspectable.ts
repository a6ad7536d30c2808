import type { Strategy } from '@switchyard/core';

/**
 * A strategy that can say which workers it keeps state for. Every built-in strategy is one;
 * the conformance kit uses it to check that nothing is left behind for removed workers.
 */
export interface InspectableStrategy extends Strategy {
  /** Ids of the workers this strategy holds per-worker state for (debugging and tests). */
  trackedWorkers(): string[];
}

export function isInspectable(strategy: Strategy): strategy is InspectableStrategy {
  return typeof (strategy as Partial<InspectableStrategy>).trackedWorkers === 'function';
}
