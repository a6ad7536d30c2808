import type { Clock, Pool, Random, WorkerSnapshot } from '@switchyard/core';
import { backoffDelay } from '@switchyard/core';
import type { Logger } from 'pino';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { SessionLostError } from './adapterErrors.js';
import { destroyClient, type TelegramSession } from './clientLike.js';
import { telegramErrorClassOf } from './telegramErrorClass.js';

export interface ReconnectOptions {
  /** First reconnect delay. */
  readonly minDelayMs: number;
  /** Cap on the delay. */
  readonly maxDelayMs: number;
  readonly factor: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { minDelayMs: 1000, maxDelayMs: 5 * 60_000, factor: 2 };

/**
 * How long one `connect()` may take. GramJS's own attempt is its `timeout` (10 s) times its
 * `connectionRetries`, but a proxy or a half-open socket can stall it for ever.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** A session's connection as its worker actor has it. */
export type Connection = 'connected' | 'reconnecting' | 'dead';

/** The connection a worker's snapshot shows (backoff and busy workers are connected). */
export function connectionOf(
  worker: Pick<WorkerSnapshot, 'state' | 'substate'> | undefined,
): Connection | undefined {
  if (worker === undefined) return undefined;
  if (worker.state !== 'disconnected') return 'connected';
  return worker.substate === 'dead' ? 'dead' : 'reconnecting';
}

/** What the pool's worker actor cannot know: the reconnect loop of one session. */
interface Watched {
  readonly session: TelegramSession;
  readonly handler: (update: unknown) => void;
  /** Failed reconnects since the session was last connected (the backoff's n − 1). */
  attempt: number;
  timer: unknown;
  /** A `connect()` is in flight. */
  connecting: boolean;
  /** The in-flight `connect()`'s timeout. */
  connectTimer: unknown;
}

/** Why a `connect()` did not connect, when it did not throw. */
type ConnectFailure = 'unreachable' | 'connect-timeout';

type SupervisedPool = Pick<Pool<unknown>, 'reportConnection' | 'getWorker' | 'snapshot'>;

/**
 * Maps each client's connection onto its worker: GramJS's `UpdateConnectionState` (and
 * failed calls) report `connected` / `disconnected` to the pool, reconnects run with
 * exponential backoff and equal jitter on the injected clock, and a dead session (revoked,
 * unregistered, banned) is reported dead and never reconnected.
 *
 * The worker actor is the only record of the connection: this class reads it back from the
 * pool and keeps only the reconnect loop (attempt count, timer).
 */
export class ConnectionSupervisor {
  readonly #pool: SupervisedPool;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #options: ReconnectOptions;
  readonly #connectTimeoutMs: number;
  readonly #onReconnected: (name: string) => void;
  readonly #onDown: (name: string) => void;
  readonly #watched = new Map<string, Watched>();
  readonly #lifelines = new Map<string, AbortController>();

  constructor(options: {
    pool: SupervisedPool;
    clock: Clock;
    random: Random;
    logger: Logger;
    reconnect?: ReconnectOptions;
    connectTimeoutMs?: number;
    onReconnected?: (name: string) => void;
    /** The session stopped being usable (disconnected or dead): move its long-running work. */
    onDown?: (name: string) => void;
  }) {
    this.#pool = options.pool;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#options = options.reconnect ?? DEFAULT_RECONNECT;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#onReconnected = options.onReconnected ?? (() => {});
    this.#onDown = options.onDown ?? (() => {});
  }

  /**
   * Follow a session's connection; its worker must be in the pool already. With `connect`,
   * the worker is reported disconnected until the first `connect()` succeeds, so no task
   * reaches a client that is not connected (GramJS's `invoke` on such a client waits forever).
   * With `connect: 'later'` it stays disconnected until `connectNow` (a cluster node waiting for
   * the session's claim).
   */
  watch(session: TelegramSession, options: { connect?: boolean | 'later' } = {}): void {
    const handler = (update: unknown) => {
      if (!(update instanceof UpdateConnectionState)) return;
      if (update.state === UpdateConnectionState.connected) this.markConnected(session.name);
      else
        this.markDisconnected(
          session.name,
          update.state === UpdateConnectionState.broken ? 'broken' : 'disconnected',
        );
    };
    const w: Watched = {
      session,
      handler,
      attempt: 0,
      timer: undefined,
      connecting: false,
      connectTimer: undefined,
    };
    this.#watched.set(session.name, w);
    session.client.addEventHandler(handler);
    if (options.connect === 'later') this.#pool.reportConnection(session.name, 'disconnected', 'claiming');
    else if (options.connect) {
      this.#pool.reportConnection(session.name, 'disconnected', 'connecting');
      void this.#connect(w);
    }
  }

  /** Connect a session watched with `connect: 'later'` (its node now holds its claim). */
  connectNow(name: string): void {
    const w = this.#watched.get(name);
    if (w !== undefined) void this.#connect(w);
  }

  /** The session's connection, read from its worker; undefined when it is not watched. */
  connection(name: string): Connection | undefined {
    if (!this.#watched.has(name)) return undefined;
    const view = this.#pool.getWorker(name);
    if (view === undefined || view.state !== 'disconnected') return connectionOf(view);
    // Only the snapshot tells the two disconnected substates apart.
    return connectionOf(this.#pool.snapshot().workers.find((x) => x.id === name));
  }

  isDead(name: string): boolean {
    return this.connection(name) === 'dead';
  }

  /** Whether some one of `names` is connected now (busy and backing-off sessions are). No snapshot. */
  anyConnected(names: Iterable<string>): boolean {
    for (const n of names) {
      if (this.#watched.has(n) && this.#pool.getWorker(n)?.state !== 'disconnected') return true;
    }
    return false;
  }

  /** Whether every one of `names` is dead (true for none). One snapshot at most. */
  allDead(names: Iterable<string>): boolean {
    const list = [...names];
    // Usually some session is up: answered from the live worker views without a snapshot.
    if (this.anyConnected(list)) {
      return false;
    }
    const dead = new Set(
      this.#pool
        .snapshot()
        .workers.filter((x) => x.substate === 'dead')
        .map((x) => x.id),
    );
    return list.every((n) => !this.#watched.has(n) || dead.has(n));
  }

  /**
   * Aborts, with a `SessionLostError`, once the session is declared dead: an attempt running on
   * it then ends at once instead of waiting on a destroyed client that never answers.
   */
  lifeline(name: string): AbortSignal {
    return this.#line(name).signal;
  }

  #line(name: string): AbortController {
    let line = this.#lifelines.get(name);
    if (line === undefined) {
      line = new AbortController();
      this.#lifelines.set(name, line);
    }
    return line;
  }

  markConnected(name: string): void {
    const w = this.#watched.get(name);
    const was = this.connection(name);
    if (w === undefined || was === undefined || was === 'dead') return;
    this.#clock.clearTimeout(w.timer);
    w.timer = undefined;
    w.attempt = 0;
    if (was === 'reconnecting') {
      this.#logger.info({ worker: name }, 'session reconnected');
      this.#pool.reportConnection(name, 'connected', 'reconnected');
      this.#onReconnected(name);
    }
  }

  /** The connection dropped (an update, or a failed call): report it and schedule a reconnect. */
  markDisconnected(name: string, reason: string): void {
    const w = this.#watched.get(name);
    const was = this.connection(name);
    if (w === undefined || was === undefined || was === 'dead') return;
    if (was === 'connected') {
      this.#logger.warn({ worker: name, reason }, 'session disconnected');
      this.#pool.reportConnection(name, 'disconnected', reason);
      this.#onDown(name);
    }
    if (w.timer === undefined && !w.connecting) this.#schedule(w);
  }

  /**
   * The session is dead for good: report it, never reconnect, and destroy its client. GramJS
   * stores `autoReconnect: false` but does not honour it, and keeps pinging a client that was
   * only left alone, so a revoked or banned account would keep knocking on Telegram's door.
   */
  markDead(name: string, reason: string): void {
    const w = this.#watched.get(name);
    const was = this.connection(name);
    if (w === undefined || was === undefined || was === 'dead') return;
    this.#clock.clearTimeout(w.timer);
    w.timer = undefined;
    this.#logger.error({ worker: name, reason }, 'session is dead; it will not reconnect');
    this.#pool.reportConnection(name, 'dead', reason);
    this.#onDown(name);
    this.#line(name).abort(new SessionLostError(name));
    destroyClient(w.session.client).catch((error: unknown) =>
      this.#logger.warn({ worker: name, err: error }, 'destroying a dead session failed'),
    );
  }

  unwatch(name: string): void {
    const w = this.#watched.get(name);
    if (w === undefined) return;
    this.#clock.clearTimeout(w.timer);
    this.#clock.clearTimeout(w.connectTimer);
    w.timer = undefined;
    w.connectTimer = undefined;
    this.#watched.delete(name);
    this.#lifelines.delete(name);
    // GramJS's removeEventHandler filters by builder *or* callback; the Raw builder it made
    // for us is not ours to name, so drop the handler from the list it keeps.
    const client = w.session.client as { _eventBuilders?: [unknown, unknown][] };
    if (Array.isArray(client._eventBuilders)) {
      client._eventBuilders = client._eventBuilders.filter(([, cb]) => cb !== w.handler);
    }
  }

  stop(): void {
    for (const name of [...this.#watched.keys()]) this.unwatch(name);
  }

  #schedule(w: Watched): void {
    const { minDelayMs, maxDelayMs, factor } = this.#options;
    w.attempt++;
    // Equal jitter: half fixed, half random, so a fleet that dropped together does not return together.
    const delay = backoffDelay(
      w.attempt,
      { minMs: minDelayMs, maxMs: maxDelayMs, factor, jitter: 'equal' },
      this.#random,
    );
    w.timer = this.#clock.setTimeout(() => {
      w.timer = undefined;
      void this.#connect(w);
    }, delay);
  }

  /** Whether `w` is still the watched record of its session and the session is not dead. */
  #live(w: Watched): boolean {
    return this.#watched.get(w.session.name) === w && !this.isDead(w.session.name);
  }

  async #connect(w: Watched): Promise<void> {
    if (!this.#live(w)) return;
    const name = w.session.name;
    if (w.session.client.connected === true) {
      this.markConnected(name);
      return;
    }
    w.connecting = true;
    let failure: ConnectFailure | undefined;
    let error: unknown;
    try {
      // GramJS answers an unreachable Telegram with `false`, not an error.
      failure =
        (await this.#withTimeout(w, w.session.client.connect())) === false ? 'unreachable' : undefined;
    } catch (e) {
      error = e;
    }
    w.connecting = false;
    if (!this.#live(w)) return;
    if (failure === undefined && error === undefined) {
      this.markConnected(name);
      return;
    }
    const cls = error instanceof ConnectTimeout ? undefined : telegramErrorClassOf(error);
    if (cls?.type === 'session-dead') {
      this.markDead(name, cls.code);
      return;
    }
    const reason =
      failure ?? (cls === undefined ? 'connect-timeout' : cls.type === 'unrecognised' ? cls.code : cls.type);
    if (this.connection(name) === 'connected') {
      this.#pool.reportConnection(name, 'disconnected', 'connect-failed');
      this.#onDown(name);
    }
    this.#logger.warn({ worker: name, attempt: w.attempt, reason }, 'connect failed');
    if (w.timer === undefined) this.#schedule(w);
  }

  /** `connect()`, or a ConnectTimeout once `connectTimeoutMs` has passed on the injected clock. */
  #withTimeout<T>(w: Watched, connecting: Promise<T>): Promise<T> {
    const timeout = new Promise<never>((_, reject) => {
      w.connectTimer = this.#clock.setTimeout(() => reject(new ConnectTimeout()), this.#connectTimeoutMs);
    });
    // The abandoned attempt may still fail later; nobody is listening for it then.
    connecting.catch(() => {});
    return Promise.race([connecting, timeout]).finally(() => {
      this.#clock.clearTimeout(w.connectTimer);
      w.connectTimer = undefined;
    });
  }
}

/** `connect()` did not answer within `connectTimeoutMs`. */
class ConnectTimeout extends Error {
  constructor() {
    super('connect() did not complete in time');
    this.name = 'ConnectTimeout';
  }
}
