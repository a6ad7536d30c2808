/**
 * The embedded journal for durable batches, on SQLite (better-sqlite3). A separate entry point
 * so the pool itself needs no native module: install `better-sqlite3` (12.x) to use it.
 * @module
 */
export { JOURNAL_SCHEMA_VERSION, SqliteJournal, type SqliteJournalOptions } from './journal/sqliteJournal.js';
