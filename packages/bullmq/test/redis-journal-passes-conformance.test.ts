import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { describeJournalConformance } from '@switchyard/core/testing';
import { afterAll, beforeAll } from 'vitest';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

// One real redis-server for the file; each test's store is a key prefix of its own.
let store = 0;
describeJournalConformance(
  'RedisJournal',
  () => {
    const prefix = `conformance-${store++}:`;
    return { journal: ({ now }) => new RedisJournal({ redis: server.url, prefix, now }) };
  },
  { shared: true, numRuns: 25 },
);
