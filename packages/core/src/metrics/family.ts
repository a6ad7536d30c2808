import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolSnapshot, WorkerState } from '../types.js';

/** The labels of each metric beside the pool's own (`labels`); a pool's own may not reuse them. */
export const METRIC_LABELS = ['kind', 'outcome', 'failure', 'worker', 'state', 'le', 'quantile'] as const;

/** Every top state, so `worker_state` reports a 0 for the states a worker is not in. */
const WORKER_STATES: readonly WorkerState[] = ['connected', 'busy', 'backoff', 'disconnected'];

/**
 * Run times reach from a few milliseconds (an HTTP call) to minutes (a Telegram scrape), so
 * the buckets span 5 ms to 2 min.
 */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** One pool registered in a family: its own label values and how to read it at scrape time. */
export interface Source {
  readonly labels: Readonly<Record<string, string>>;
  /** The label values, canonically, to refuse a second pool with the same ones. */
  readonly key: string;
  readonly snapshot: () => PoolSnapshot;
}

/**
 * The metrics of every pool registered in one registry under one prefix. Prometheus wants
 * one metric per name, so pools share them and tell their series apart by their `labels`;
 * the last pool to leave removes them from the registry.
 */
export class Family {
  readonly sources = new Set<Source>();
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  readonly names: readonly string[];
  readonly tasks: Counter<string>;
  readonly failures: Counter<string>;
  readonly retries: Counter<string>;
  readonly rateLimits: Counter<string>;
  readonly rateLimitWait: Counter<string>;
  readonly duration: Histogram<string>;
  readonly #registry: Registry;

  constructor(registry: Registry, prefix: string, labelNames: readonly string[], buckets: readonly number[]) {
    this.#registry = registry;
    this.labelNames = labelNames;
    this.buckets = buckets;
    const names = Family.names(registry, prefix);
    this.names = Object.values(names); // tasks first: inRegistry() looks it up
    const registers = [registry];
    const own = (...more: string[]) => [...labelNames, ...more];
    const counter = (name: string, help: string, ...more: string[]) =>
      new Counter({ name, help, labelNames: own(...more), registers });
    this.tasks = counter(
      names.tasks,
      'Tasks settled, by kind and outcome (succeeded, failed, cancelled, timed_out, cleared, closed).',
      'kind',
      'outcome',
    );
    this.failures = counter(
      names.failures,
      'Failed runs, retried or not, by kind and failure (transient, rate-limited, permanent, worker-fatal, unknown-outcome).',
      'kind',
      'failure',
    );
    this.retries = counter(
      names.retries,
      'New attempts after a failure, by kind (a rate-limited requeue is not one).',
      'kind',
    );
    this.rateLimits = counter(
      names.rateLimits,
      'Runs that hit a rate limit (a flood wait), by worker.',
      'worker',
    );
    this.rateLimitWait = counter(
      names.rateLimitWait,
      'Seconds of waiting that rate limits (flood waits) asked for, by worker.',
      'worker',
    );
    this.duration = new Histogram({
      name: names.duration,
      help: 'Run time of each attempt in seconds, on the pool clock, by kind and outcome (succeeded, failed).',
      labelNames: own('kind', 'outcome'),
      buckets: [...buckets],
      registers,
    });
    const sources = this.sources;
    // Gauges are read from snapshot() at scrape time: nothing to keep up to date between scrapes.
    const gauge = (name: string, help: string, more: string[], read: (g: Gauge<string>, s: Source) => void) =>
      new Gauge<string>({
        name,
        help,
        labelNames: own(...more),
        registers,
        collect() {
          this.reset();
          for (const s of sources) read(this, s);
        },
      });
    gauge(names.queueDepth, 'Tasks waiting: queued, or waiting out a retry delay or hold.', [], (g, s) =>
      g.set(s.labels, s.snapshot().queued),
    );
    gauge(names.workers, 'Workers in the pool, being removed included.', [], (g, s) =>
      g.set(s.labels, s.snapshot().workers.length),
    );
    gauge(names.inFlight, 'Tasks running on each worker.', ['worker'], (g, s) => {
      for (const w of s.snapshot().workers) g.set({ ...s.labels, worker: w.id }, w.inFlight);
    });
    gauge(names.capacity, 'Tasks each worker may run at once.', ['worker'], (g, s) => {
      for (const w of s.snapshot().workers) g.set({ ...s.labels, worker: w.id }, w.capacity);
    });
    gauge(
      names.state,
      "Each worker's state: 1 for the state it is in, 0 for the others.",
      ['worker', 'state'],
      (g, s) => {
        for (const w of s.snapshot().workers) {
          for (const state of WORKER_STATES)
            g.set({ ...s.labels, worker: w.id, state }, w.state === state ? 1 : 0);
        }
      },
    );
  }

  /**
   * The metric names under a prefix. Counters end in `_total` as Prometheus names them, except
   * in an OpenMetrics registry, where prom-client adds the suffix itself.
   */
  static names(registry: Registry, prefix: string) {
    const total = registry.contentType.startsWith('application/openmetrics-text') ? '' : '_total';
    return {
      tasks: `${prefix}tasks${total}`,
      failures: `${prefix}task_failures${total}`,
      retries: `${prefix}task_retries${total}`,
      rateLimits: `${prefix}rate_limits${total}`,
      rateLimitWait: `${prefix}rate_limit_wait_seconds${total}`,
      duration: `${prefix}task_duration_seconds`,
      queueDepth: `${prefix}queue_depth`,
      workers: `${prefix}workers`,
      inFlight: `${prefix}worker_in_flight`,
      capacity: `${prefix}worker_capacity`,
      state: `${prefix}worker_state`,
    };
  }

  /** Whether the registry still holds these metrics (`registry.clear()` takes them out). */
  inRegistry(): boolean {
    return this.#registry.getSingleMetric(this.names[0] as string) === this.tasks;
  }

  /** Take every metric out of the registry, unless someone has already. */
  remove(): void {
    if (!this.inRegistry()) return;
    for (const name of this.names) this.#registry.removeSingleMetric(name);
  }
}
