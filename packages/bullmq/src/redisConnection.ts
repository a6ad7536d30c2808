import { Redis } from 'ioredis';
import { checkRedisUrl, describeClient, redactRedisUrl } from './redisUrl.js';

/**
 * A Redis connection as the package's pieces hold it: one made from a URL (owned: closed with
 * its holder) or an ioredis client the caller made (left open). Messages name it by `where`,
 * never with a password.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly owns: boolean;
  /** Where it connects, as messages show it: never with a password. */
  readonly where: string;
  readonly #connectTimeoutMs: number;
  #connectedOnce = false;
  #lastError: Error | undefined;

  /** Checks `redis` (a URL or an ioredis client) and makes the connection; nothing is sent yet. */
  constructor(redis: unknown, field: string, connectTimeoutMs: number) {
    this.#connectTimeoutMs = connectTimeoutMs;
    // By shape, not instanceof: a client from another copy of ioredis serves as well.
    if (typeof redis === 'object' && redis !== null && typeof (redis as Redis).evalsha === 'function') {
      this.client = redis as Redis;
      this.owns = false;
      this.where = describeClient(this.client.options);
    } else {
      const url = checkRedisUrl(redis, field);
      this.where = redactRedisUrl(url);
      this.owns = true;
      this.client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: connectTimeoutMs,
        // Once connected, a lost Redis is waited for: calls queue, then run when it is back.
        // BullMQ requires this of the connections it blocks on, which it copies from this one.
        maxRetriesPerRequest: null,
        // Before the first connection, give up at once: an unreachable Redis is a start error.
        retryStrategy: (times) => (this.#connectedOnce ? Math.min(times * 100, 2_000) : null),
      });
    }
    // Keep errors as the reason to give; without a listener ioredis prints them.
    this.client.on('error', (error: Error) => {
      this.#lastError = error;
    });
  }

  /**
   * Resolves once Redis has answered a PING. Otherwise a connection made here is dropped and
   * `fail(reason)` is thrown, its reason saying why (`Redis cannot be reached (connect
   * ECONNREFUSED …)`).
   */
  async firstAnswer(fail: (reason: string, cause: unknown) => Error): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.#connectTimeoutMs} ms`)),
        this.#connectTimeoutMs,
      );
    });
    try {
      if (this.owns && this.client.status === 'wait') await Promise.race([this.client.connect(), timeout]);
      await Promise.race([this.client.ping(), timeout]);
      this.#connectedOnce = true;
    } catch (error) {
      if (this.owns) this.client.disconnect();
      const reason = this.#lastError?.message ?? (error as Error).message;
      throw fail(`Redis cannot be reached (${reason})`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close a connection made here (politely when Redis answers, at once otherwise); leave the caller's open. */
  async close(): Promise<void> {
    if (!this.owns) return;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
