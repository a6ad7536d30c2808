/**
 * Prometheus metrics for a pool, with `prom-client` (an optional peer dependency: install it
 * to use this module). `registerPoolMetrics(pool, { registry, prefix, labels })` registers
 * counters and a histogram fed by the pool's events, and gauges read from `snapshot()` at
 * each scrape; serve `registry.metrics()` on `/metrics` for Prometheus to scrape.
 * @module
 */
export { DEFAULT_BUCKETS } from './metrics/family.js';
export {
  type MetricsSource,
  type PoolMetrics,
  type PoolMetricsOptions,
  registerPoolMetrics,
} from './metrics/registerPoolMetrics.js';
