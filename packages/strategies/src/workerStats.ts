import type { Clock, LoadEvent } from '@switchyard/core';

/** Per-worker statistics a strategy keeps from the pool's events. */
export interface WorkerStat {
  /** Peak-EWMA latency cost in ms (Finagle/Linkerd): jumps up to a slow sample, decays with τ. */
  peak: number;
  peakAt: number;
  /** Time-decayed EWMA latency in ms, failures counted as penalty latencies. 0 before any sample. */
  ewma: number;
  ewmaAt: number;
  /** EWMA of outcomes (1 success, 0 failure) over recent samples. */
  success: number;
  /** EWMA of worker health: rate limits, fatal errors, backoffs and disconnects count as 0. */
  reliability: number;
  samples: number;
  /** Weight announced in `worker-added` / `worker-updated` (the pool's live view wins during select). */
  weight: number;
}

export interface WorkerStatsOptions {
  clock: Pick<Clock, 'now'>;
  /** Decay time of the latency EWMAs. */
  tauMs: number;
  /** Latency charged for a transient, fatal or unknown-outcome failure, so fast failures do not look fast. */
  failurePenaltyMs: number;
  /** Latency charged for a rate limit (or its retryAfterMs if larger), as Linkerd's load biaser does. */
  rateLimitPenaltyMs: number;
}

/**
 * Time-decayed EWMA weight for the old value. A floor on the new sample's weight keeps samples
 * that arrive at the same instant (common on virtual time) from being ignored entirely.
 */
const MIN_ALPHA = 0.02;
/** Outcome EWMAs: ~20-sample window, so a worker that starts failing is noticed within a few tasks. */
const OUTCOME_ALPHA = 0.1;

/**
 * One strategy's view of worker statistics, fed only by `LoadEvent`s and pruned on
 * `worker-removed`, so memory is bounded by the number of live workers.
 */
export class WorkerStatsTable {
  readonly #stats = new Map<string, WorkerStat>();
  readonly #opts: WorkerStatsOptions;
  #known = 0;

  constructor(options: WorkerStatsOptions) {
    this.#opts = options;
  }

  get(id: string): WorkerStat | undefined {
    return this.#stats.get(id);
  }

  ids(): string[] {
    return [...this.#stats.keys()];
  }

  /** How many workers have at least one sample; it changes when a worker reports for the first time or leaves. */
  get known(): number {
    return this.#known;
  }

  get size(): number {
    return this.#stats.size;
  }

  values(): IterableIterator<WorkerStat> {
    return this.#stats.values();
  }

  /** Mean EWMA latency over workers with samples, or undefined when none has any. */
  meanLatency(): number | undefined {
    let sum = 0;
    let n = 0;
    for (const s of this.#stats.values()) {
      if (s.samples > 0) {
        sum += s.ewma;
        n++;
      }
    }
    return n > 0 ? sum / n : undefined;
  }

  /** Peak-EWMA cost decayed to `now`, without mutating (select must not allocate or write). */
  peakCost(stat: WorkerStat, now: number): number {
    const dt = now - stat.peakAt;
    return dt > 0 ? stat.peak * Math.exp(-dt / this.#opts.tauMs) : stat.peak;
  }

  handle(e: LoadEvent): void {
    switch (e.type) {
      case 'worker-added':
      case 'worker-updated': {
        this.#ensure(e.worker).weight = e.weight;
        return;
      }
      case 'worker-removed': {
        const s = this.#stats.get(e.worker);
        if (s !== undefined && s.samples > 0) this.#known--;
        this.#stats.delete(e.worker);
        return;
      }
      case 'task-succeeded':
        this.#sample(e.worker, e.latencyMs, 1, 1);
        return;
      case 'task-failed': {
        const o = this.#opts;
        switch (e.failure) {
          case 'permanent':
            // The task's own fault (bad input): the worker answered, so only its latency counts.
            this.#sample(e.worker, e.latencyMs, 1, 1);
            return;
          case 'rate-limited':
            this.#sample(e.worker, Math.max(e.latencyMs, e.retryAfterMs ?? 0, o.rateLimitPenaltyMs), 0, 0);
            return;
          case 'worker-fatal':
            this.#sample(e.worker, Math.max(e.latencyMs, o.failurePenaltyMs), 0, 0);
            return;
          default:
            this.#sample(e.worker, Math.max(e.latencyMs, o.failurePenaltyMs), 0, 1);
            return;
        }
      }
      case 'worker-state': {
        if (e.to === 'backoff' || e.to === 'disconnected') {
          const s = this.#stats.get(e.worker);
          if (s) s.reliability += OUTCOME_ALPHA * (0 - s.reliability);
        }
        return;
      }
      default:
        return;
    }
  }

  #ensure(id: string): WorkerStat {
    let s = this.#stats.get(id);
    if (s === undefined) {
      const now = this.#opts.clock.now();
      s = { peak: 0, peakAt: now, ewma: 0, ewmaAt: now, success: 1, reliability: 1, samples: 0, weight: 1 };
      this.#stats.set(id, s);
    }
    return s;
  }

  #sample(id: string, latencyMs: number, success: number, reliable: number): void {
    const s = this.#ensure(id);
    const now = this.#opts.clock.now();
    const rtt = Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : 0;
    const tau = this.#opts.tauMs;
    // Peak EWMA: a slower sample replaces the cost at once; faster ones pull it down with decay τ.
    const decayedPeak = this.peakCost(s, now);
    if (s.samples === 0 || rtt > decayedPeak) s.peak = rtt;
    else {
      // decayedPeak = peak·w, so this is Finagle's `cost·w + rtt·(1 − w)`.
      const w = Math.exp(-Math.max(0, now - s.peakAt) / tau);
      s.peak = decayedPeak + rtt * (1 - w);
    }
    s.peakAt = now;
    if (s.samples === 0) s.ewma = rtt;
    else {
      const alpha = Math.max(MIN_ALPHA, 1 - Math.exp(-Math.max(0, now - s.ewmaAt) / tau));
      s.ewma += alpha * (rtt - s.ewma);
    }
    s.ewmaAt = now;
    s.success += OUTCOME_ALPHA * (success - s.success);
    s.reliability += OUTCOME_ALPHA * (reliable - s.reliability);
    if (s.samples === 0) this.#known++;
    s.samples++;
  }
}
