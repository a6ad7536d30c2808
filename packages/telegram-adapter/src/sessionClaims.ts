import { randomUUID } from 'node:crypto';
import type { RedisLeases } from '@switchyard/bullmq';
import type { ClusterOptions } from './managerOptions.js';

/** Where a node stands with a session's claim. */
export interface SessionClaim {
  /**
   * `claiming`: asked Redis, no answer yet; `held`: this node has it (the session may connect);
   * `refused`: another live node has it (never connected here); `lost`: this node had it, and
   * another node took it or it could not be renewed in time (the session was taken out of work).
   */
  readonly state: 'claiming' | 'held' | 'refused' | 'lost';
  /** The node that holds it, when another does (or the reason it could not be claimed). */
  readonly heldBy?: string;
}

/**
 * The claims of one node on its sessions: a Redis lease per session name (`<prefix>session:<name>`),
 * whose value is `<node>/<this process's id>`. A claim of the same node id left by an earlier
 * process (a restart after a crash) is taken back at once; another node's is refused.
 */
export class SessionClaims {
  readonly node: string;
  /** Loaded on first use: only a node of a cluster needs `@switchyard/bullmq` (and Redis's client). */
  readonly #leases: Promise<RedisLeases>;
  readonly #states = new Map<string, SessionClaim>();

  constructor(options: ClusterOptions, onLost: (session: string, heldBy: string | undefined) => void) {
    this.node = options.node;
    this.#leases = loadBullmq().then(
      ({ RedisLeases }) =>
        new RedisLeases({
          redis: options.redis,
          prefix: `${options.prefix ?? 'switchyard:'}session:`,
          holder: `${options.node}/${randomUUID()}`,
          earlierLives: `${options.node}/`,
          ...(options.claimTtlMs === undefined ? {} : { ttlMs: options.claimTtlMs }),
          field: 'options.cluster',
          onLost: (session, heldBy) => {
            const by = heldBy === undefined ? undefined : nodeOf(heldBy);
            this.#states.set(session, { state: 'lost', ...(by === undefined ? {} : { heldBy: by }) });
            onLost(session, by);
          },
        }),
    );
    // A failed load is reported by the calls that need the leases.
    this.#leases.catch(() => {});
  }

  /** Claim a session; resolves to where the claim stands (`held` or `refused`). */
  async claim(session: string): Promise<SessionClaim> {
    this.#states.set(session, { state: 'claiming' });
    let claim: SessionClaim;
    try {
      const take = await (await this.#leases).take(session);
      claim = take.taken ? { state: 'held' } : { state: 'refused', heldBy: nodeOf(take.heldBy) };
    } catch (error) {
      claim = { state: 'refused', heldBy: `(${error instanceof Error ? error.message : String(error)})` };
    }
    if (this.#states.has(session)) this.#states.set(session, claim);
    // Released while the claim was on its way: give it up again.
    else if (claim.state === 'held') await (await this.#leases).release(session);
    return claim;
  }

  /** The node that holds a session's claim now (any node, this one included), if any. */
  async holderOf(session: string): Promise<string | undefined> {
    const holder = await (await this.#leases).holderOf(session);
    return holder === undefined ? undefined : nodeOf(holder);
  }

  state(session: string): SessionClaim | undefined {
    return this.#states.get(session);
  }

  /** Give a session's claim up (it was removed from this node). */
  async release(session: string): Promise<void> {
    this.#states.delete(session);
    await (await this.#leases).release(session);
  }

  /** Give every claim up and close the connection. */
  async close(): Promise<void> {
    const leases = await this.#leases.catch(() => undefined);
    await leases?.close();
  }
}

/** `@switchyard/bullmq`, or an error that says to install it. */
export async function loadBullmq(): Promise<typeof import('@switchyard/bullmq')> {
  try {
    return await import('@switchyard/bullmq');
  } catch (error) {
    throw new Error(
      'options.cluster needs the package @switchyard/bullmq: install it beside @switchyard/telegram-adapter',
      { cause: error },
    );
  }
}

/** The node id of a claim's value (`<node>/<process id>`). */
function nodeOf(holder: string): string {
  const slash = holder.lastIndexOf('/');
  return slash < 0 ? holder : holder.slice(0, slash);
}
