/**
 * A real `redis-server` for tests, demos and CI: started on 127.0.0.1 on a free port in a
 * temporary folder, with the append-only file on, and stopped (or restarted) on demand.
 * Needs Debian's `redis-server` package (`scripts/ensure-redis.sh` installs it).
 * @module
 */
export { type RedisServer, type RedisServerOptions, startRedis } from './redisServer.js';
