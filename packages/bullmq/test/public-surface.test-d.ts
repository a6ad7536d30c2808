import type * as bullmq from '@switchyard/bullmq';
import type { BulkOperation, Journal, JsonValue } from '@switchyard/core';
import { describe, expectTypeOf, it } from 'vitest';

// Adding or removing a runtime export is a deliberate change to these lists.
describe('public surface of @switchyard/bullmq', () => {
  it('exports the task source, the Redis journal, leases and the URL redaction they use, and nothing internal', () => {
    expectTypeOf<keyof typeof bullmq>().toEqualTypeOf<
      | 'JobFailedError'
      | 'JobLater'
      | 'JobLockLostError'
      | 'LeaseConnectError'
      | 'QueueConnectError'
      | 'QueueProducer'
      | 'RedisJournal'
      | 'RedisLeases'
      | 'batchJobId'
      | 'capacityChanges'
      | 'jobFailure'
      | 'jobLater'
      | 'openQueue'
      | 'readySlots'
      | 'redactRedisUrl'
      | 'serveQueue'
    >();
    // The same shape as every bulk operation: an Observable of outcomes, awaitable for the report.
    const producer = {} as bullmq.QueueProducer;
    expectTypeOf(producer.enqueue([], { batchId: 'b' })).toEqualTypeOf<
      BulkOperation<bullmq.JobOutcome<JsonValue>, bullmq.EnqueueReport<JsonValue>>
    >();
    expectTypeOf<bullmq.RedisJournal>().toExtend<Journal>();
  });

  it('keeps the redis-server helper behind its own entry point', () => {
    expectTypeOf<keyof typeof import('@switchyard/bullmq/testing')>().toEqualTypeOf<'startRedis'>();
  });
});
