import type { Random } from './types.js';

/**
 * How a growing wait is spread: `'none'` waits exactly the computed delay; `'double'`
 * multiplies it by a random factor in [1, 2) (p-retry's `randomize`); `'equal'` waits half of
 * it plus a random share of the other half, so a fleet that failed together does not come back
 * together (AWS's "equal jitter").
 */
export type BackoffJitter = 'none' | 'double' | 'equal';

/** One growing-wait schedule: the n-th wait is `minMs × factor^(n−1)`, capped at `maxMs`, then jittered. */
export interface BackoffSchedule {
  readonly minMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: BackoffJitter;
}

/**
 * The n-th wait (1-based) of a schedule, in whole ms. The pool's transient retries use it with
 * `'double'` jitter (p-retry's formula, checked against p-retry itself by a test), outlier
 * ejection with `'none'`, and the Telegram adapter's reconnects with `'equal'`: one formula for
 * every growing wait.
 */
export function backoffDelay(n: number, schedule: BackoffSchedule, random: Random): number {
  const raw = schedule.minMs * schedule.factor ** Math.max(0, n - 1);
  switch (schedule.jitter) {
    case 'none':
      return Math.min(Math.round(raw), schedule.maxMs);
    case 'double':
      return Math.min(Math.round((random() + 1) * raw), schedule.maxMs);
    case 'equal': {
      const cap = Math.min(raw, schedule.maxMs);
      return Math.round(cap / 2 + (random() * cap) / 2);
    }
  }
}
