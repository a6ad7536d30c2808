import { backoffDelay } from '../backoff.js';

/** Outlier ejection's policy, its cap and its panic mode. */
export interface EjectionOptions {
  /** Consecutive failures (transient or unknown-outcome) that eject a worker into backoff. Default 5. */
  consecutiveFailures: number;
  /** First ejection's length; each further one doubles it. Default 10 s. */
  baseEjectionMs: number;
  /** Longest ejection. Default 5 minutes. A success resets the growth. */
  maxEjectionMs: number;
  /**
   * Most workers that may be ejected at once, as a percentage (0 to 100) of the workers that are
   * neither dead nor being removed, rounded down; at least one worker may always be ejected
   * unless it is 0 (which turns ejection off). An ejection past the cap is refused and reported
   * as an `ejection-refused` event. Default 50: a failure shared by every worker (a downstream
   * blip) leaves at least half of them serving. Envoy's `max_ejection_percent` defaults to 10,
   * which suits fleets of many hosts; pools here often hold a handful of workers, where 10 % is
   * one worker and a second bad one would keep taking work.
   */
  maxEjectionPercent: number;
  /**
   * Panic threshold, as a percentage (0 to 100). A worker is healthy when it is ready or busy
   * and not ejected; the share is taken over the workers that are neither dead nor being
   * removed. When it falls below this threshold the pool enters panic mode: ejected workers take
   * tasks again, as Envoy's `healthy_panic_threshold` does. Workers waiting out a rate limit or
   * a `backoffWorker` wait, and disconnected ones, still take none: they cannot run a task now.
   * Default 50, as in Envoy; 0 turns panic mode off.
   */
  healthyPanicThreshold: number;
  /**
   * Hysteresis of panic mode, in percentage points: panic mode ends only once the healthy share
   * is back at `healthyPanicThreshold + panicHysteresisPercent` (at most 100), so a pool near the
   * threshold does not flip in and out with every worker that comes and goes. Default 10.
   */
  panicHysteresisPercent: number;
}

export const defaultEjection: EjectionOptions = {
  consecutiveFailures: 5,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 50,
  healthyPanicThreshold: 50,
  panicHysteresisPercent: 10,
};

/** How long to eject a worker after `consecutiveFailures` failures in a row, its `ejections`-th time; undefined: not yet. */
export function ejectionMs(
  consecutiveFailures: number,
  ejections: number,
  options: EjectionOptions,
): number | undefined {
  if (consecutiveFailures < options.consecutiveFailures) return undefined;
  return backoffDelay(
    ejections + 1,
    { minMs: options.baseEjectionMs, maxMs: options.maxEjectionMs, factor: 2, jitter: 'none' },
    Math.random,
  );
}

/**
 * Most workers that may be ejected at once out of `members` (workers neither dead nor being
 * removed): `maxEjectionPercent` of them rounded down, but at least one, as in Envoy, where the
 * first outlier is always ejected.
 */
export function ejectionCap(members: number, options: EjectionOptions): number {
  if (options.maxEjectionPercent <= 0 || members === 0) return 0;
  return Math.max(1, Math.floor((members * options.maxEjectionPercent) / 100));
}

/**
 * Whether the pool is in panic mode, given whether it was and how many of `members` are
 * healthy: it starts below `healthyPanicThreshold` and ends at the threshold plus
 * `panicHysteresisPercent`.
 */
export function inPanic(
  wasInPanic: boolean,
  healthy: number,
  members: number,
  options: EjectionOptions,
): boolean {
  if (members === 0 || options.healthyPanicThreshold <= 0) return false;
  const share = (healthy * 100) / members;
  if (!wasInPanic) return share < options.healthyPanicThreshold;
  return share < Math.min(100, options.healthyPanicThreshold + options.panicHysteresisPercent);
}
