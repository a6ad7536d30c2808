/** What `PoolOptions.inspect` receives: XState's inspection events. */
export type { InspectionEvent } from 'xstate';
export { type BackoffJitter, type BackoffSchedule, backoffDelay } from './backoff.js';
export { BulkOperation } from './bulkOperation.js';
export * from './errors.js';
export {
  type DurableBatchOptions,
  type DurableOutcome,
  type DurableRunContext,
  type DurableTaskSpec,
  runDurableBatch,
} from './journal/durableBatch.js';
export { MemoryJournal } from './journal/memoryJournal.js';
export { checkItemTransition, isFinalItemState, sameJson } from './journal/transitions.js';
export {
  type BatchSpec,
  type BatchStatus,
  FINAL_ITEM_STATES,
  type ItemState,
  type ItemStateName,
  type Journal,
  type JournalItem,
  type JsonValue,
  type OpenBatch,
  type TransitionOptions,
} from './journal/types.js';
export { createPool, type EjectionOptions, type PoolOptions, type RateLimit } from './pool/createPool.js';
export { checkProcessArgs, isProcessSource, type ProcessSource, pumpSource } from './pool/process.js';
export { chainLongWaits, flushMicrotasks, seededRandom, systemClock, VirtualClock } from './time/clock.js';
export type * from './types.js';
/** Parse with zod, or throw a `ValidationError` naming each field and why: for packages built on core. */
export { parseOrThrow } from './validation/schemas.js';
export {
  subState,
  topState,
  type WorkerContext,
  type WorkerEvent,
  type WorkerInput,
  type WorkerMachine,
  workerMachine,
} from './worker/machine.js';
