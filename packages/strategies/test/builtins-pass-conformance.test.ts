import {
  adaptive,
  capabilityBased,
  consistentHash,
  leastLoaded,
  p2cPeakEwma,
  performanceBased,
  roundRobin,
  smoothWeightedRoundRobin,
  weightedResponseTime,
} from '@switchyard/strategies';
import { describeStrategyConformance } from '@switchyard/strategies/testing';

describeStrategyConformance('roundRobin', (ctx) => roundRobin(ctx));
describeStrategyConformance('roundRobin with slow start', (ctx) =>
  roundRobin({ ...ctx, slowStartMs: 5_000 }),
);
describeStrategyConformance('leastLoaded', (ctx) => leastLoaded(ctx));
describeStrategyConformance('capabilityBased', (ctx) => capabilityBased(ctx));
describeStrategyConformance('performanceBased', (ctx) => performanceBased(ctx));
describeStrategyConformance('weightedResponseTime', (ctx) => weightedResponseTime(ctx));
describeStrategyConformance('p2cPeakEwma', (ctx) => p2cPeakEwma(ctx));
describeStrategyConformance('consistentHash', (ctx) => consistentHash(ctx));
describeStrategyConformance('adaptive', (ctx) => adaptive(ctx));
describeStrategyConformance('smoothWeightedRoundRobin', (ctx) => smoothWeightedRoundRobin(ctx));
