import type * as bullmq from '@switchyard/bullmq';
import type { Journal } from '@switchyard/core';
import { describe, expectTypeOf, it } from 'vitest';

// Adding or removing a runtime export is a deliberate change to these lists.
describe('public surface of @switchyard/bullmq', () => {
  it('exports the Redis journal and the URL redaction it uses, and nothing internal', () => {
    expectTypeOf<keyof typeof bullmq>().toEqualTypeOf<'RedisJournal' | 'redactRedisUrl'>();
    expectTypeOf<bullmq.RedisJournal>().toExtend<Journal>();
  });

  it('keeps the redis-server helper behind its own entry point', () => {
    expectTypeOf<keyof typeof import('@switchyard/bullmq/testing')>().toEqualTypeOf<'startRedis'>();
  });
});
