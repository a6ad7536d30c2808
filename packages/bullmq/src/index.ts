export { type JobFailure, jobFailure } from './jobFailure.js';
export {
  type CloseConsumerOptions,
  type JobHandler,
  JobLater,
  type JobTask,
  jobLater,
  type QueueConsumer,
  type QueueJob,
  type ServeQueueOptions,
  serveQueue,
  type TaskOutcome,
} from './queueConsumer.js';
export { JobFailedError, JobLockLostError, LeaseConnectError, QueueConnectError } from './queueErrors.js';
export {
  batchJobId,
  type EnqueueOptions,
  type EnqueueReport,
  type EnqueueSummary,
  type JobOutcome,
  type OpenQueueOptions,
  openQueue,
  type QueueItem,
  QueueProducer,
} from './queueProducer.js';
export { capacityChanges, readySlots } from './readySlots.js';
export { RedisJournal, type RedisJournalOptions } from './redisJournal.js';
export { type LeaseTake, RedisLeases, type RedisLeasesOptions } from './redisLeases.js';
export { redactRedisUrl } from './redisUrl.js';
