export type { ConformanceContext, ConformanceOptions } from './conformance.js';
export { countingCandidates, describeStrategyConformance } from './conformance.js';
export type { FakeWorker, FakeWorkerSpec } from './fake-fleet.js';
export { FakeFleet, makeTask } from './fake-fleet.js';
