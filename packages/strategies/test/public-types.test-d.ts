import type { Strategy } from '@switchyard/core';
import {
  adaptive,
  capabilityBased,
  consistentHash,
  type InspectableStrategy,
  LoadBalancer,
  leastLoaded,
  p2cPeakEwma,
  performanceBased,
  roundRobin,
  type WorkerInfo,
  weightedResponseTime,
} from '@switchyard/strategies';
import { describeStrategyConformance } from '@switchyard/strategies/testing';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types strategy authors rely on', () => {
  it('every factory returns a Strategy the pool accepts', () => {
    for (const s of [
      roundRobin(),
      leastLoaded(),
      capabilityBased(),
      performanceBased(),
      weightedResponseTime(),
      p2cPeakEwma(),
      consistentHash(),
      adaptive(),
    ]) {
      expectTypeOf(s).toMatchTypeOf<Strategy>();
      expectTypeOf(s).toMatchTypeOf<InspectableStrategy>();
    }
    expectTypeOf(adaptive().getWeights()).toEqualTypeOf<Map<string, number>>();
  });

  it('the conformance kit takes a factory of a plain Strategy', () => {
    expectTypeOf(describeStrategyConformance).parameter(1).returns.toEqualTypeOf<Strategy>();
  });

  it('the LoadBalancer facade keeps its documented shapes', () => {
    const lb = new LoadBalancer();
    expectTypeOf(lb.setStrategy).returns.toEqualTypeOf<boolean>();
    expectTypeOf(lb.selectWorker).returns.toEqualTypeOf<WorkerInfo | null>();
    expectTypeOf(lb.getAvailableStrategies()).toEqualTypeOf<string[]>();
  });
});
