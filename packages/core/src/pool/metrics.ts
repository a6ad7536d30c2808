import type { LatencyPercentiles } from '../types.js';
import { createStartRate, type RateLimit, type StartRate } from './startRate.js';
import { LatencyWindow } from './stats.js';

/** Counts for one task kind, with its concurrency limit (Infinity when none) and start rate. */
export interface KindCounters {
  readonly kind: string;
  readonly limit: number;
  readonly rate: StartRate | undefined;
  /** While the kind's start rate holds its tasks back: when the next start is allowed. */
  throttledUntil: number;
  running: number;
  queued: number;
  completed: number;
  failed: number;
}

type KindField = 'running' | 'queued' | 'completed' | 'failed';

/**
 * The pool's counters: totals, per kind (in a `Map`, so any kind name is safe, `__proto__`
 * included), and recent latencies. Each task holds its kind's record, so the hot path does no
 * lookups.
 */
export class Metrics {
  submitted = 0;
  succeeded = 0;
  failed = 0;
  cancelled = 0;
  retries = 0;
  rateLimited = 0;
  /** Tasks in a lane, waiting for a worker. */
  queued = 0;
  /** Tasks waiting out a retry delay or a task-scoped rate limit. */
  waiting = 0;
  /** Tasks running. */
  running = 0;
  readonly latency: LatencyWindow;
  readonly #kinds = new Map<string, KindCounters>();
  readonly #limits: ReadonlyMap<string, number>;
  readonly #rates: ReadonlyMap<string, RateLimit>;
  readonly #now: () => number;

  constructor(
    limits: ReadonlyMap<string, number>,
    rates: ReadonlyMap<string, RateLimit>,
    latencyWindow: number,
    now: () => number,
  ) {
    this.#limits = limits;
    this.#rates = rates;
    this.latency = new LatencyWindow(latencyWindow);
    this.#now = now;
  }

  kind(kind: string): KindCounters {
    let c = this.#kinds.get(kind);
    if (c === undefined) {
      const rate = this.#rates.get(kind);
      c = {
        kind,
        limit: this.#limits.get(kind) ?? Number.POSITIVE_INFINITY,
        rate: rate === undefined ? undefined : createStartRate(rate, this.#now()),
        throttledUntil: 0,
        running: 0,
        queued: 0,
        completed: 0,
        failed: 0,
      };
      this.#kinds.set(kind, c);
    }
    return c;
  }

  /** One field per kind seen, as a null-prototype record (so `__proto__` is a kind like any other). */
  byKind(field: KindField): Record<string, number> {
    const out = Object.create(null) as Record<string, number>;
    for (const [k, c] of this.#kinds) out[k] = c[field];
    return out;
  }

  /** Kinds whose start rate holds tasks back now, and until when. */
  throttled(now: number): { readonly kind: string; readonly until: number }[] {
    const out: { kind: string; until: number }[] = [];
    for (const c of this.#kinds.values()) {
      if (c.throttledUntil > now && c.queued > 0) out.push({ kind: c.kind, until: c.throttledUntil });
    }
    return out;
  }

  latencyPercentiles(): LatencyPercentiles {
    return this.latency.percentiles();
  }
}
