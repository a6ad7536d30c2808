import type { Redis } from 'ioredis';
import { positive } from './checks.js';
import { LeaseConnectError } from './queueErrors.js';
import { RedisConnection } from './redisConnection.js';
import { RELEASE, RENEW } from './scripts.js';

export interface RedisLeasesOptions {
  /** A `redis://` / `rediss://` URL (connection made here, closed by `close()`) or an ioredis client (left open). */
  readonly redis: string | Redis;
  /** Put before each lease's name to make its key. Default `switchyard:lease:`. */
  readonly prefix?: string;
  /** The value every lease of this holder carries. */
  readonly holder: string;
  /**
   * Holder values starting with this are earlier lives of this holder (the same node before a
   * restart): their leases are taken at once, where another holder's are refused.
   */
  readonly earlierLives?: string;
  /** How long a lease outlives its holder's last renewal, in ms. Default 15 000. */
  readonly ttlMs?: number;
  /** How often the leases held are renewed, in ms. Default a third of `ttlMs`. */
  readonly renewMs?: number;
  /** How long the first connection may take, in ms. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** A lease held here was lost: another holder has it (`heldBy`), or it could not be renewed before it lapsed. */
  readonly onLost?: (name: string, heldBy: string | undefined) => void;
  /** Names fields in validation errors. Default `leases`. */
  readonly field?: string;
}

/** What `take` found: the lease is this holder's now, or another's. */
export type LeaseTake = { readonly taken: true } | { readonly taken: false; readonly heldBy: string };

/**
 * Named leases of one holder in Redis: a key per name holding the holder's value with a time to
 * live (`SET … PX`), renewed by one unref'd timer while held and deleted on `release`/`close`.
 * Renewal and taking are one script (see `RENEW`), so a lease another holder has is never
 * overwritten, and a renewal that finds one reports it lost instead.
 */
export class RedisLeases {
  readonly #connection: RedisConnection;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #holder: string;
  readonly #earlierLives: string;
  readonly #ttl: number;
  readonly #onLost: (name: string, heldBy: string | undefined) => void;
  /** Each lease held, with the real time it was last set (Redis's time to live runs on real time). */
  readonly #held = new Map<string, number>();
  readonly #renewal: NodeJS.Timeout;
  #renewing = false;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisLeasesOptions) {
    const field = options.field ?? 'leases';
    this.#prefix = options.prefix ?? 'switchyard:lease:';
    this.#holder = options.holder;
    this.#earlierLives = options.earlierLives ?? '';
    this.#ttl = positive(options.ttlMs, 15_000, `${field}.ttlMs`, 100);
    // A third of the time to live: two renewals may be lost before the lease lapses.
    const renew = Math.max(10, Math.floor(this.#ttl / 3));
    const renewMs = positive(options.renewMs, renew, `${field}.renewMs`, 10);
    this.#onLost = options.onLost ?? (() => {});
    this.#connection = new RedisConnection(
      options.redis,
      `${field}.redis`,
      positive(options.connectTimeoutMs, 5_000, `${field}.connectTimeoutMs`, 1),
    );
    this.#client = this.#connection.client;
    this.#renewal = setInterval(() => void this.#renew(), renewMs);
    this.#renewal.unref();
  }

  /** Where the leases live, as messages show it (no password). */
  get where(): string {
    return this.#connection.where;
  }

  /** Take the lease `name`, unless another live holder has it. Rejects with `LeaseConnectError` when Redis cannot be reached. */
  async take(name: string): Promise<LeaseTake> {
    this.#checkOpen();
    await this.#connected();
    this.#checkOpen();
    const at = Date.now();
    const [outcome, heldBy] = (await RENEW.run(
      this.#client,
      [this.#prefix + name],
      [this.#holder, this.#ttl, this.#earlierLives],
    )) as [string, string?];
    if (outcome !== 'ok') return { taken: false, heldBy: heldBy ?? '' };
    if (this.#closed) {
      await RELEASE.run(this.#client, [this.#prefix + name], [this.#holder]);
      return { taken: false, heldBy: '' };
    }
    this.#held.set(name, at);
    return { taken: true };
  }

  /** Who holds the lease `name` now, if anyone. */
  async holderOf(name: string): Promise<string | undefined> {
    this.#checkOpen();
    await this.#connected();
    return (await this.#client.get(this.#prefix + name)) ?? undefined;
  }

  /** Whether this holder has the lease `name` (as of its last renewal). */
  holds(name: string): boolean {
    return this.#held.has(name);
  }

  /** Give the lease up at once (if this holder has it). */
  async release(name: string): Promise<void> {
    if (!this.#held.delete(name) || this.#client.status !== 'ready') return;
    await RELEASE.run(this.#client, [this.#prefix + name], [this.#holder]);
  }

  /** Release every lease held, stop renewing and close a connection made here. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewal);
    // With Redis out of reach the leases are left to lapse: waiting for it would hang close().
    for (const name of [...this.#held.keys()]) await this.release(name).catch(() => undefined);
    this.#held.clear();
    await this.#connection.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new LeaseConnectError(this.#connection.where, 'the leases are closed');
  }

  #connected(): Promise<void> {
    const where = this.#connection.where;
    this.#ready ??= this.#connection.firstAnswer(
      (reason, cause) => new LeaseConnectError(where, reason, cause),
    );
    return this.#ready;
  }

  async #renew(): Promise<void> {
    // A renewal still waiting (Redis out of reach) is not joined by another.
    if (this.#renewing || this.#held.size === 0) return;
    this.#renewing = true;
    try {
      for (const [name, last] of [...this.#held]) {
        const at = Date.now();
        let reply: [string, string?] | undefined;
        try {
          // Strictly this holder's value: an earlier life's successor that took the lease wins.
          if (this.#client.status === 'ready')
            reply = (await RENEW.run(this.#client, [this.#prefix + name], [this.#holder, this.#ttl])) as [
              string,
              string?,
            ];
        } catch {}
        if (this.#closed || !this.#held.has(name)) continue;
        if (reply?.[0] === 'ok') this.#held.set(name, at);
        else if (reply?.[0] === 'lost') this.#lose(name, reply[1]);
        // Not renewed within its time to live: it may have lapsed and been taken.
        else if (Date.now() - last >= this.#ttl) this.#lose(name, undefined);
      }
    } finally {
      this.#renewing = false;
    }
  }

  #lose(name: string, heldBy: string | undefined): void {
    this.#held.delete(name);
    this.#onLost(name, heldBy);
  }
}
