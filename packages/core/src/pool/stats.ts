import type { LatencyPercentiles, WorkerStats } from '../types.js';

// Weight of the newest sample in the per-worker EWMAs: about the last 10 outcomes matter.
const ALPHA = 0.2;

/** A worker's outcome statistics for `snapshot()`. Strategies keep their own from `events$`. */
export class WorkerStatsTracker implements WorkerStats {
  completed = 0;
  failed = 0;
  rateLimited = 0;
  ewmaLatencyMs = 0;
  successRate = 1;
  consecutiveFailures = 0;
  ejections = 0;

  success(latencyMs: number): void {
    this.ewmaLatencyMs =
      this.completed === 0 ? latencyMs : this.ewmaLatencyMs + ALPHA * (latencyMs - this.ewmaLatencyMs);
    this.completed++;
    this.successRate += ALPHA * (1 - this.successRate);
    this.consecutiveFailures = 0;
  }

  failure(rateLimited: boolean): void {
    this.failed++;
    if (rateLimited) this.rateLimited++;
    this.successRate += ALPHA * (0 - this.successRate);
    this.consecutiveFailures++;
  }

  view(): WorkerStats {
    return {
      completed: this.completed,
      failed: this.failed,
      ewmaLatencyMs: this.ewmaLatencyMs,
      successRate: this.successRate,
      rateLimited: this.rateLimited,
    };
  }
}

/** The last `capacity` latencies in a ring buffer: bounded memory, percentiles on demand. */
export class LatencyWindow {
  readonly #buf: Float64Array;
  #next = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#buf = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.#buf[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#buf.length;
    if (this.#count < this.#buf.length) this.#count++;
  }

  percentiles(): LatencyPercentiles {
    const n = this.#count;
    if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    const sorted = this.#buf.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0;
    return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[n - 1] ?? 0 };
  }
}
