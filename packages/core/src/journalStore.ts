/**
 * What a journal store is built from, for stores outside this package (Redis, …): the checks
 * every store applies the same way (spec and items, resume, transitions, ranges) and the row
 * shapes they read, so each store only reads and writes rows. Test a store with
 * `describeJournalConformance` from `@switchyard/core/testing`.
 * @module
 */
export {
  type BatchRow,
  batchSpec,
  batchStatus,
  checkBatchSpec,
  checkItemRange,
  checkNewItems,
  checkResume,
  closedJournal,
  goneBatch,
  ITEM_STATE_NAMES,
  type ItemRow,
  journalJson,
  leaseHolder,
  noSuchItem,
  PENDING_STATE,
  planAdd,
  planTransition,
  releasedBatch,
  type StateCounts,
  toJournalItem,
} from './journal/checks.js';
export { canonicalJson } from './journal/transitions.js';
