export type { AdaptiveOptions, AdaptiveStrategyHandle } from './adaptive.js';
export { adaptive } from './adaptive.js';
export type { AdaptiveStrategyOptions } from './adaptive-strategy.js';
export { AdaptiveStrategy } from './adaptive-strategy.js';
export type { BanditOptions } from './bandit.js';
export { Bandit } from './bandit.js';
export { affinityCandidates, candidatesOf, constrained, withoutAntiAffinity } from './candidates.js';
export type { CapabilityBasedOptions } from './capability-based.js';
export { capabilityBased } from './capability-based.js';
export { CapabilityBasedStrategy } from './capability-based-strategy.js';
export type { ConsistentHashOptions } from './consistent-hash.js';
export { consistentHash, keyHashState, rendezvousScore } from './consistent-hash.js';
export { InvalidStrategyOptionError } from './errors.js';
export type {
  AdaptiveHealthStrategyOptions,
  HealthAwareOptions,
  InstanceHealth,
  LoadBalancerStats,
  ServiceInstance,
  WeightedResponseTimeStrategyOptions,
} from './health-aware.js';
export {
  AdaptiveHealthStrategy,
  HealthAwareStrategy,
  HealthRoundRobinStrategy,
  LeastConnectionsStrategy,
  WeightedResponseTimeStrategy,
} from './health-aware.js';
export type { InspectableStrategy } from './inspectable.js';
export { isInspectable } from './inspectable.js';
export type { LeastLoadedOptions } from './least-loaded.js';
export { leastLoaded } from './least-loaded.js';
export { LeastLoadedStrategy } from './least-loaded-strategy.js';
export type {
  LoadBalancerOptions,
  MigrationSuggestion,
  QueuedTask,
  RebalanceRecommendation,
  WorkerScore,
} from './load-balancer.js';
export { LoadBalancer } from './load-balancer.js';
export type { CommonStrategyOptions } from './options.js';
export type { P2cPeakEwmaOptions } from './p2c-peak-ewma.js';
export { p2cPeakEwma } from './p2c-peak-ewma.js';
export type {
  PerformanceBasedHandle,
  PerformanceBasedOptions,
  PerformanceScore,
  PerformanceWeights,
} from './performance-based.js';
export { performanceBased, SEED_PERFORMANCE_WEIGHTS } from './performance-based.js';
export { PerformanceBasedStrategy } from './performance-based-strategy.js';
export type { RoundRobinOptions } from './round-robin.js';
export { roundRobin } from './round-robin.js';
export { RoundRobinStrategy } from './round-robin-strategy.js';
export { effectiveWeight, relativeLoad, slowStartFactor } from './slow-start.js';
export type { OutcomeCostOptions } from './stats-options.js';
export type { WeightedResponseTimeOptions } from './weighted-response-time.js';
export { weightedResponseTime } from './weighted-response-time.js';
export type {
  BalancingContext,
  BalancingStrategy,
  LearnedPerformance,
  TaskRequirements,
  WorkerInfo,
  WorkerMetrics,
  WorkerStatus,
} from './worker-info.js';
export type { WorkerStat, WorkerStatsOptions } from './worker-stats.js';
export { WorkerStatsTable } from './worker-stats.js';
