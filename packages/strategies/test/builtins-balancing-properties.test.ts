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
import { describeBalancingProperties } from '@switchyard/strategies/testing';

const all = {
  weights: true,
  noStarvation: true,
  newWorker: { slowStartMs: 10_000 },
  recoveredWorker: { slowStartMs: 10_000 },
} as const;

describeBalancingProperties('roundRobin', (ctx) => roundRobin(ctx), {
  ...all,
  newWorker: { slowStartMs: 0 },
  recoveredWorker: { slowStartMs: 0 },
});
const idleTies =
  'it compares in-flight work per unit of weight, so with few tasks in flight loads tie (all 0 when idle) and ties rotate without regard to weight';
describeBalancingProperties('leastLoaded', (ctx) => leastLoaded(ctx), {
  ...all,
  weights: { notApplicable: idleTies },
});
describeBalancingProperties('capabilityBased', (ctx) => capabilityBased(ctx), {
  ...all,
  weights: { notApplicable: idleTies },
  newWorker: { slowStartMs: 0 },
  recoveredWorker: { slowStartMs: 0 },
});
describeBalancingProperties('performanceBased', (ctx) => performanceBased(ctx), all);
describeBalancingProperties('weightedResponseTime', (ctx) => weightedResponseTime(ctx), all);
describeBalancingProperties('p2cPeakEwma', (ctx) => p2cPeakEwma(ctx), all);
describeBalancingProperties('consistentHash', (ctx) => consistentHash(ctx), {
  ...all,
  newWorker: { slowStartMs: 0 },
  recoveredWorker: { slowStartMs: 0 },
});
describeBalancingProperties('adaptive', (ctx) => adaptive(ctx), {
  ...all,
  weights: { notApplicable: `its default arms include leastLoaded: ${idleTies}` },
});
describeBalancingProperties('smoothWeightedRoundRobin', (ctx) => smoothWeightedRoundRobin(ctx), {
  ...all,
  newWorker: { slowStartMs: 0 },
  recoveredWorker: { slowStartMs: 0 },
});
