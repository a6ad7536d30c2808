import { backoffDelay } from '../backoff.js';
import type { Random, RetryOptions } from '../types.js';

export const defaultRetry: RetryOptions = {
  retries: 3,
  minTimeoutMs: 1000,
  maxTimeoutMs: 30_000,
  factor: 2,
  randomize: true,
  // A task may wait out rate limits for at most 15 minutes in total before it fails.
  maxRateLimitWaitMs: 15 * 60_000,
};

/**
 * Delay before retry number `retry` (1-based): p-retry's formula, `round(r × min × factor^(retry-1))`
 * capped at `max`, with r in [1, 2) when randomized. It is computed here rather than by calling
 * p-retry because p-retry sleeps on the global timer inside its own loop, and the pool must wait
 * on the injected clock with the task back in the queue, holding no worker slot. A test runs
 * p-retry itself with the same options and checks that the two schedules are equal.
 */
export function retryDelay(retry: number, options: RetryOptions, random: Random): number {
  return backoffDelay(
    retry,
    {
      minMs: options.minTimeoutMs,
      maxMs: options.maxTimeoutMs,
      factor: options.factor,
      jitter: options.randomize ? 'double' : 'none',
    },
    random,
  );
}
