export { RedisJournal, type RedisJournalOptions } from './redisJournal.js';
export { redactRedisUrl } from './redisUrl.js';
