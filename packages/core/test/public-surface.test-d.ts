import type * as core from '@switchyard/core';
import { describe, expectTypeOf, it } from 'vitest';

// The public entry exports the API and nothing internal: adding or removing a runtime export
// is a deliberate change to this list.
describe('public surface of @switchyard/core', () => {
  it('exports exactly these values', () => {
    expectTypeOf<keyof typeof core>().toEqualTypeOf<
      | 'AttemptTimeoutError'
      | 'BulkOperation'
      | 'FINAL_ITEM_STATES'
      | 'JournalLeaseError'
      | 'JournalMismatchError'
      | 'JournalOpenError'
      | 'JournalTransitionError'
      | 'MemoryJournal'
      | 'PoolClosedError'
      | 'SwitchyardError'
      | 'TaskCancelledError'
      | 'TaskFailedError'
      | 'TaskTimeoutError'
      | 'UnknownWorkerError'
      | 'ValidationError'
      | 'VirtualClock'
      | 'backoffDelay'
      | 'chainLongWaits'
      | 'checkItemTransition'
      | 'checkProcessArgs'
      | 'isProcessSource'
      | 'createPool'
      | 'flushMicrotasks'
      | 'pumpSource'
      | 'runDurableBatch'
      | 'sameJson'
      | 'parseOrThrow'
      | 'isFinalItemState'
      | 'seededRandom'
      | 'subState'
      | 'systemClock'
      | 'topState'
      | 'workerMachine'
    >();
  });

  it('keeps the SQLite journal behind its own entry point, so the pool needs no native module', () => {
    expectTypeOf<keyof typeof import('@switchyard/core/sqlite')>().toEqualTypeOf<
      'JOURNAL_SCHEMA_VERSION' | 'SqliteJournal'
    >();
  });

  it('gives journal stores the shared checks, and their conformance suite, from entries of their own', () => {
    expectTypeOf<keyof typeof import('@switchyard/core/journal-store')>().toEqualTypeOf<
      | 'ITEM_STATE_NAMES'
      | 'PENDING_STATE'
      | 'batchSpec'
      | 'batchStatus'
      | 'canonicalJson'
      | 'checkBatchSpec'
      | 'checkItemRange'
      | 'checkNewItems'
      | 'checkResume'
      | 'closedJournal'
      | 'goneBatch'
      | 'journalJson'
      | 'leaseHolder'
      | 'noSuchItem'
      | 'planAdd'
      | 'planTransition'
      | 'releasedBatch'
      | 'toJournalItem'
    >();
    expectTypeOf<
      keyof typeof import('@switchyard/core/testing')
    >().toEqualTypeOf<'describeJournalConformance'>();
  });

  it('keeps the Prometheus metrics behind their own entry point, so prom-client stays optional', () => {
    expectTypeOf<keyof typeof import('@switchyard/core/metrics')>().toEqualTypeOf<
      'DEFAULT_BUCKETS' | 'registerPoolMetrics'
    >();
    expectTypeOf<import('@switchyard/core/metrics').MetricsSource>().toMatchTypeOf<
      Pick<core.Pool<unknown>, 'events$' | 'snapshot'>
    >();
    expectTypeOf<core.Pool<unknown>>().toMatchTypeOf<import('@switchyard/core/metrics').MetricsSource>();
  });

  it('hands PoolOptions.inspect to XState as createActor takes it', () => {
    expectTypeOf<core.PoolOptions<unknown>['inspect']>().toEqualTypeOf<
      import('xstate').ActorOptions<import('xstate').AnyActorLogic>['inspect']
    >();
  });

  it('gives the pool the controls p-queue users reach for', () => {
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('pause').toEqualTypeOf<() => void>();
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('resume').toEqualTypeOf<() => void>();
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('clear').toEqualTypeOf<() => number>();
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('onIdle').toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('onEmpty').toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<core.Pool<unknown>>()
      .toHaveProperty('onSizeLessThan')
      .toEqualTypeOf<(limit: number) => Promise<void>>();
    expectTypeOf<core.Pool<unknown>>()
      .toHaveProperty('runningTasks')
      .toEqualTypeOf<() => core.RunningTask[]>();
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('size').toEqualTypeOf<number>();
    expectTypeOf<core.Pool<unknown>>().toHaveProperty('pending').toEqualTypeOf<number>();
  });

  it('names every load event type, ejection refusals and panic mode included', () => {
    expectTypeOf<core.LoadEventType>().toEqualTypeOf<
      | 'worker-added'
      | 'worker-removed'
      | 'worker-updated'
      | 'worker-state'
      | 'task-queued'
      | 'task-assigned'
      | 'task-succeeded'
      | 'task-failed'
      | 'task-cancelled'
      | 'kind-throttled'
      | 'ejection-refused'
      | 'panic-mode'
    >();
    expectTypeOf<core.PoolSnapshot>().toHaveProperty('ejection').toEqualTypeOf<core.EjectionSnapshot>();
  });

  it('leaves operation kinds to adapters', () => {
    expectTypeOf<core.TaskSpec<unknown, unknown>['kind']>().toEqualTypeOf<string | undefined>();
  });
});
