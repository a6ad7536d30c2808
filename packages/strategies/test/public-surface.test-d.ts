// The runtime exports of each entry point, exactly. Adding or removing one is a deliberate
// change to the public API: update this list with it (and the README).
import { describe, expectTypeOf, it } from 'vitest';

describe('public surface', () => {
  it('@switchyard/strategies exports the strategies, the registry and the class-based facades, no internals', () => {
    expectTypeOf<keyof typeof import('@switchyard/strategies')>().toEqualTypeOf<
      // factories and the registry of them by name
      | 'adaptive'
      | 'capabilityBased'
      | 'consistentHash'
      | 'leastLoaded'
      | 'p2cPeakEwma'
      | 'performanceBased'
      | 'roundRobin'
      | 'smoothWeightedRoundRobin'
      | 'weightedResponseTime'
      | 'createStrategy'
      | 'strategyName'
      | 'strategyNames'
      // the name a misspelling most likely meant (for config files and command lines)
      | 'nearestName'
      | 'DEFAULT_PERFORMANCE_WEIGHTS'
      | 'isInspectable'
      | 'InvalidStrategyOptionError'
      // the class-based LoadBalancer facade and its strategy classes
      | 'LoadBalancer'
      | 'AdaptiveStrategy'
      | 'CapabilityBasedStrategy'
      | 'LeastLoadedStrategy'
      | 'PerformanceBasedStrategy'
      | 'RoundRobinStrategy'
      // the health-aware strategies
      | 'HealthAwareStrategy'
      | 'AdaptiveHealthStrategy'
      | 'HealthRoundRobinStrategy'
      | 'LeastConnectionsStrategy'
      | 'WeightedResponseTimeStrategy'
    >();
  });

  it('@switchyard/strategies/testing exports the conformance kit', () => {
    expectTypeOf<keyof typeof import('@switchyard/strategies/testing')>().toEqualTypeOf<
      | 'describeStrategyConformance'
      | 'describeBalancingProperties'
      | 'countingCandidates'
      | 'FakeFleet'
      | 'makeTask'
      | 'runTraffic'
    >();
  });

  it('@switchyard/strategies/simulator exports the simulator and its scenarios', () => {
    expectTypeOf<keyof typeof import('@switchyard/strategies/simulator')>().toEqualTypeOf<
      | 'simulate'
      | 'compareStrategies'
      | 'formatResults'
      | 'markdownTable'
      | 'percentile'
      | 'allScenarios'
      | 'herdingScenario'
      | 'heterogeneousScenario'
      | 'linkerdScenario'
      | 'telegramScenario'
    >();
  });
});
