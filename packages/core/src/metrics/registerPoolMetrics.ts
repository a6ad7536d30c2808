import { type Counter, register as globalRegistry, type Histogram, type Registry } from 'prom-client';
import type { Observable, Unsubscribable } from 'rxjs';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { LoadEvent, PoolSnapshot } from '../types.js';
import { parseOrThrow } from '../validation/schemas.js';
import { DEFAULT_BUCKETS, Family, METRIC_LABELS, type Source } from './family.js';

/** Options of `registerPoolMetrics`. */
export interface PoolMetricsOptions {
  /** The prom-client registry to register in. Default: prom-client's global `register`. */
  registry?: Registry;
  /** Put before every metric name (Prometheus' name characters, or empty). Default `'switchyard_'`. */
  prefix?: string;
  /**
   * Labels for every series of this pool, e.g. `{ pool: 'telegram' }`. Pools registered in one
   * registry under one prefix share the metrics, so they must use the same label names, with
   * values that tell them apart. Default: none.
   */
  labels?: Readonly<Record<string, string>>;
  /**
   * Upper bounds, in seconds, of the `task_duration_seconds` buckets. Pools sharing the metrics
   * share the buckets too. Default: 5 ms to 2 min.
   */
  buckets?: readonly number[];
}

/** What `registerPoolMetrics` returns. */
export interface PoolMetrics {
  /**
   * Stop counting this pool's events and drop its series. The last pool of a registry and
   * prefix to leave removes the metrics from the registry. Calling it again does nothing.
   */
  unregister(): void;
}

/** What the metrics read of a pool: any `Pool` has it. */
export interface MetricsSource {
  readonly events$: Observable<LoadEvent>;
  snapshot(): PoolSnapshot;
}

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const metricPrefix = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

const optionsSchema = z
  .object({
    registry: z
      .custom<Registry>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          ['registerMetric', 'getSingleMetric', 'removeSingleMetric'].every(
            (m) => typeof (v as Record<string, unknown>)[m] === 'function',
          ),
        { message: "must be a prom-client Registry (new Registry() or prom-client's register)" },
      )
      .optional(),
    prefix: z
      .string()
      .regex(metricPrefix, 'must be empty or start with a letter, _ or : followed by letters, digits, _ or :')
      .optional(),
    labels: z
      .record(
        z
          .string()
          .regex(labelName, 'label names must be letters, digits and _, not starting with a digit')
          .refine((n) => !n.startsWith('__'), 'label names starting with __ are reserved by Prometheus')
          .refine(
            (n) => !(METRIC_LABELS as readonly string[]).includes(n),
            `label names ${METRIC_LABELS.join(', ')} are the metrics' own`,
          ),
        z.string(),
      )
      .optional(),
    buckets: z
      .array(z.number().positive().refine(Number.isFinite, 'must be finite'))
      .min(1)
      .refine((b) => b.every((x, i) => i === 0 || x > (b[i - 1] as number)), 'must be increasing')
      .optional(),
  })
  .strict();

/** The families of each registry, by prefix. */
const families = new WeakMap<Registry, Map<string, Family>>();

/**
 * Register a pool's numbers with prom-client: counters and a histogram fed by `pool.events$`
 * from now on, and gauges read from `pool.snapshot()` at each scrape. See the core README for
 * every metric and its labels. Throws a `ValidationError` for a bad pool or option, or when a
 * metric name is already taken in the registry by something else.
 */
export function registerPoolMetrics(pool: MetricsSource, options: PoolMetricsOptions = {}): PoolMetrics {
  checkPool(pool);
  const o = parseOrThrow(optionsSchema, options, 'options');
  const registry = o.registry ?? globalRegistry;
  const prefix = o.prefix ?? 'switchyard_';
  const labels: Record<string, string> = { ...o.labels };
  const names = Object.keys(labels).sort();
  const buckets = o.buckets ?? DEFAULT_BUCKETS;
  const key = JSON.stringify(names.map((n) => [n, labels[n]]));

  const family = joinFamily(registry, prefix, names, buckets, key);
  const source: Source = { labels, key, snapshot: () => pool.snapshot() };
  family.sources.add(source);
  const series = new Series(labels);
  const subscription = subscribe(pool, family, series);
  let registered = true;
  return {
    unregister() {
      if (!registered) return;
      registered = false;
      subscription.unsubscribe();
      family.sources.delete(source);
      if (family.sources.size > 0) series.remove();
      else leaveFamily(registry, prefix, family);
    },
  };
}

/** The family a pool joins: the one already in the registry under the prefix, or a new one. */
function joinFamily(
  registry: Registry,
  prefix: string,
  names: readonly string[],
  buckets: readonly number[],
  key: string,
): Family {
  let byPrefix = families.get(registry);
  const family = byPrefix?.get(prefix);
  // After registry.clear() the family's metrics are gone: the pools still in it feed nothing
  // anyone reads, and this pool starts a new family.
  if (family?.inRegistry()) {
    checkJoin(family, names, buckets, key);
    return family;
  }
  for (const name of Object.values(Family.names(registry, prefix))) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new ValidationError([
        {
          field: 'options.prefix',
          reason: `the registry already has a metric named ${name}; choose another prefix or registry`,
        },
      ]);
    }
  }
  const made = new Family(registry, prefix, names, buckets);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    families.set(registry, byPrefix);
  }
  byPrefix.set(prefix, made);
  return made;
}

/** The last pool left: the metrics leave the registry. */
function leaveFamily(registry: Registry, prefix: string, family: Family): void {
  family.remove();
  const byPrefix = families.get(registry);
  if (byPrefix?.get(prefix) !== family) return; // a newer family took its place after registry.clear()
  byPrefix.delete(prefix);
  if (byPrefix.size === 0) families.delete(registry);
}

function checkPool(pool: unknown): asserts pool is MetricsSource {
  const p = pool as Partial<MetricsSource> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.snapshot !== 'function' ||
    typeof p.events$ !== 'object' ||
    p.events$ === null ||
    typeof p.events$.subscribe !== 'function'
  ) {
    throw new ValidationError([
      {
        field: 'pool',
        reason: `must be a pool from createPool (with events$ and snapshot()), got ${pool === null ? 'null' : typeof pool}`,
      },
    ]);
  }
}

/** A second pool in the same registry and prefix must fit the metrics the first one made. */
function checkJoin(family: Family, names: readonly string[], buckets: readonly number[], key: string): void {
  if (names.join() !== family.labelNames.join()) {
    const had = family.labelNames.length === 0 ? 'none' : family.labelNames.join(', ');
    throw new ValidationError([
      {
        field: 'options.labels',
        reason: `must have the label names of the pools already registered with this registry and prefix (${had})`,
      },
    ]);
  }
  if (buckets.join() !== family.buckets.join()) {
    throw new ValidationError([
      {
        field: 'options.buckets',
        reason: `must be the buckets of the pools already registered with this registry and prefix (${family.buckets.join(', ')})`,
      },
    ]);
  }
  for (const s of family.sources) {
    if (s.key === key) {
      throw new ValidationError([
        {
          field: 'options.labels',
          reason:
            'another pool is registered with this registry, prefix and labels; give each pool its own, e.g. { pool: "…" }',
        },
      ]);
    }
  }
}

/** Counters and the histogram, fed by the pool's events. */
function subscribe(pool: MetricsSource, family: Family, series: Series): Unsubscribable {
  const { tasks, failures, retries, rateLimits, rateLimitWait, duration } = family;
  return pool.events$.subscribe((e) => {
    switch (e.type) {
      case 'task-succeeded':
        series.of(tasks, 'kind', e.kind, 'outcome', 'succeeded').inc();
        series.of(duration, 'kind', e.kind, 'outcome', 'succeeded').observe(e.latencyMs / 1000);
        break;
      case 'task-failed':
        series.of(duration, 'kind', e.kind, 'outcome', 'failed').observe(e.latencyMs / 1000);
        series.of(failures, 'kind', e.kind, 'failure', e.failure).inc();
        if (!e.willRetry) series.of(tasks, 'kind', e.kind, 'outcome', 'failed').inc();
        // A rate-limited requeue does not spend an attempt; every other retry does.
        else if (e.failure !== 'rate-limited') series.of(retries, 'kind', e.kind).inc();
        if (e.failure === 'rate-limited') {
          series.of(rateLimits, 'worker', e.worker).inc();
          series.of(rateLimitWait, 'worker', e.worker).inc((e.retryAfterMs ?? 0) / 1000);
        }
        break;
      case 'task-cancelled':
        series.of(tasks, 'kind', e.kind, 'outcome', CANCEL_OUTCOMES[e.reason]).inc();
        break;
      default:
        break;
    }
  });
}

const CANCEL_OUTCOMES = {
  aborted: 'cancelled',
  timeout: 'timed_out',
  cleared: 'cleared',
  closed: 'closed',
} as const;

type Child<M> = M extends Counter<string> ? Counter.Internal : Histogram.Internal<string>;

/**
 * One pool's series: prom-client's children by label values, made once, so an event costs two
 * map lookups rather than hashing a label object, and the series can be removed when the pool
 * leaves metrics other pools still use.
 */
class Series {
  readonly #labels: Readonly<Record<string, string>>;
  readonly #children = new Map<
    Counter<string> | Histogram<string>,
    Map<string, { labels: Record<string, string>; child: unknown }>
  >();

  constructor(labels: Readonly<Record<string, string>>) {
    this.#labels = labels;
  }

  /** The child of `metric` for the labels given as name, value, name, value, … */
  of<M extends Counter<string> | Histogram<string>>(metric: M, ...pairs: string[]): Child<M> {
    let byValues = this.#children.get(metric);
    if (byValues === undefined) {
      byValues = new Map();
      this.#children.set(metric, byValues);
    }
    const id = pairs.join('\0');
    let made = byValues.get(id);
    if (made === undefined) {
      const labels: Record<string, string> = { ...this.#labels };
      for (let i = 0; i < pairs.length; i += 2) labels[pairs[i] as string] = pairs[i + 1] as string;
      made = { labels, child: metric.labels(labels) };
      byValues.set(id, made);
    }
    return made.child as Child<M>;
  }

  remove(): void {
    for (const [metric, byValues] of this.#children) {
      for (const { labels } of byValues.values()) metric.remove(labels);
    }
  }
}
