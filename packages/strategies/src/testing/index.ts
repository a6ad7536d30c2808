export type { ConformanceContext, ConformanceOptions } from './conformance.js';
export { countingCandidates, describeStrategyConformance } from './conformance.js';
export type { FakeWorker, FakeWorkerSpec } from './fakeFleet.js';
export { FakeFleet, makeTask } from './fakeFleet.js';
export type { BalancingCapabilities, NotApplicable } from './properties.js';
export { describeBalancingProperties } from './properties.js';
export type { TrafficOptions, TrafficResult, TrafficWorker } from './shares.js';
export { runTraffic } from './shares.js';
