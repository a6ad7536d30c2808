export { type BackoffJitter, type BackoffSchedule, backoffDelay } from './backoff.js';
export * from './errors.js';
export { createPool, type EjectionOptions, type PoolOptions, type RateLimit } from './pool/createPool.js';
export { chainLongWaits, flushMicrotasks, seededRandom, systemClock, VirtualClock } from './time/clock.js';
export type * from './types.js';
export {
  subState,
  topState,
  type WorkerContext,
  type WorkerEvent,
  type WorkerInput,
  type WorkerMachine,
  workerMachine,
} from './worker/machine.js';
