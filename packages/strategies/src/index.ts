// The public API only: strategies, their options, the registry and the facades. Helpers
// the strategies share (candidate filters, slow start, statistics, the bandit) stay internal.
export type { AdaptiveOptions, AdaptiveStrategyHandle } from './adaptive.js';
export { adaptive } from './adaptive.js';
export type { AdaptiveStrategyOptions } from './adaptiveStrategy.js';
export { AdaptiveStrategy } from './adaptiveStrategy.js';
export type { BanditOptions } from './bandit.js';
export type { CapabilityBasedOptions } from './capabilityBased.js';
export { capabilityBased } from './capabilityBased.js';
export { CapabilityBasedStrategy } from './capabilityBasedStrategy.js';
export type { ConsistentHashOptions } from './consistentHash.js';
export { consistentHash } from './consistentHash.js';
export type { BuiltinStrategies, StrategyName } from './createStrategy.js';
export { createStrategy, strategyName, strategyNames } from './createStrategy.js';
export { InvalidStrategyOptionError } from './errors.js';
export type {
  AdaptiveHealthStrategyOptions,
  HealthAwareOptions,
  InstanceHealth,
  LoadBalancerStats,
  ServiceInstance,
  WeightedResponseTimeStrategyOptions,
} from './healthAware.js';
export {
  AdaptiveHealthStrategy,
  HealthAwareStrategy,
  HealthRoundRobinStrategy,
  LeastConnectionsStrategy,
  WeightedResponseTimeStrategy,
} from './healthAware.js';
export type { InspectableStrategy } from './inspectable.js';
export { isInspectable } from './inspectable.js';
export type { LeastLoadedOptions } from './leastLoaded.js';
export { leastLoaded } from './leastLoaded.js';
export { LeastLoadedStrategy } from './leastLoadedStrategy.js';
export type {
  LoadBalancerOptions,
  MigrationSuggestion,
  QueuedTask,
  RebalanceRecommendation,
  WorkerScore,
} from './loadBalancer.js';
export { LoadBalancer } from './loadBalancer.js';
// Also for configuration files and command lines that suggest the name a misspelling meant.
export { nearestName } from './nearestName.js';
export type { CommonStrategyOptions } from './options.js';
export type { P2cPeakEwmaOptions } from './p2cPeakEwma.js';
export { p2cPeakEwma } from './p2cPeakEwma.js';
export type {
  PerformanceBasedHandle,
  PerformanceBasedOptions,
  PerformanceScore,
  PerformanceWeights,
} from './performanceBased.js';
export { DEFAULT_PERFORMANCE_WEIGHTS, performanceBased } from './performanceBased.js';
export { PerformanceBasedStrategy } from './performanceBasedStrategy.js';
export type { RoundRobinOptions } from './roundRobin.js';
export { roundRobin } from './roundRobin.js';
export { RoundRobinStrategy } from './roundRobinStrategy.js';
export type { SmoothWeightedRoundRobinOptions } from './smoothWeightedRoundRobin.js';
export { smoothWeightedRoundRobin } from './smoothWeightedRoundRobin.js';
export type { OutcomeCostOptions } from './statsOptions.js';
export type { WeightedResponseTimeOptions } from './weightedResponseTime.js';
export { weightedResponseTime } from './weightedResponseTime.js';
export type {
  BalancingContext,
  BalancingStrategy,
  LearnedPerformance,
  TaskRequirements,
  WorkerInfo,
  WorkerMetrics,
  WorkerStatus,
} from './workerInfo.js';
