/**
 * Test kits for code built on Switchyard: `describeJournalConformance` runs the suite every
 * journal store must pass (on Vitest and fast-check, both needed as dev dependencies).
 * @module
 */
export {
  describeJournalConformance,
  type JournalConformanceOptions,
  type JournalStore,
} from './journalConformance.js';
