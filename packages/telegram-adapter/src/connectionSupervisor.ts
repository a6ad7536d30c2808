import type { Clock, Pool, Random } from '@switchyard/core';
import type { Logger } from 'pino';
import { UpdateConnectionState } from 'telegram/network/index.js';
import type { TelegramSession } from './clientLike.js';
import { classifyTelegramError } from './telegramErrorClass.js';

export interface ReconnectOptions {
  /** First reconnect delay. */
  readonly minDelayMs: number;
  /** Cap on the delay. */
  readonly maxDelayMs: number;
  readonly factor: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { minDelayMs: 1000, maxDelayMs: 5 * 60_000, factor: 2 };

type Status = 'connected' | 'reconnecting' | 'dead' | 'stopped';

interface Watched {
  readonly session: TelegramSession;
  readonly handler: (update: unknown) => void;
  status: Status;
  attempt: number;
  timer: unknown;
}

/**
 * Maps each client's connection onto its worker: GramJS's `UpdateConnectionState` (and
 * failed calls) report `connected` / `disconnected` to the pool, reconnects run with
 * exponential backoff and full jitter on the injected clock, and a dead session (revoked,
 * unregistered, banned) is reported dead and never reconnected.
 */
export class ConnectionSupervisor {
  readonly #pool: Pick<Pool<unknown>, 'reportConnection'>;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #options: ReconnectOptions;
  readonly #onReconnected: (name: string) => void;
  readonly #onDown: (name: string) => void;
  readonly #watched = new Map<string, Watched>();

  constructor(options: {
    pool: Pick<Pool<unknown>, 'reportConnection'>;
    clock: Clock;
    random: Random;
    logger: Logger;
    reconnect?: ReconnectOptions;
    onReconnected?: (name: string) => void;
    /** The session stopped being usable (disconnected or dead): move its long-running work. */
    onDown?: (name: string) => void;
  }) {
    this.#pool = options.pool;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#options = options.reconnect ?? DEFAULT_RECONNECT;
    this.#onReconnected = options.onReconnected ?? (() => {});
    this.#onDown = options.onDown ?? (() => {});
  }

  /**
   * Follow a session's connection. With `connect`, the worker is reported disconnected
   * until the first `connect()` succeeds, so no task reaches a client that is not connected
   * (GramJS's `invoke` on such a client waits forever).
   */
  watch(session: TelegramSession, options: { connect?: boolean } = {}): void {
    const handler = (update: unknown) => {
      if (!(update instanceof UpdateConnectionState)) return;
      if (update.state === UpdateConnectionState.connected) this.markConnected(session.name);
      else
        this.markDisconnected(
          session.name,
          update.state === UpdateConnectionState.broken ? 'broken' : 'disconnected',
        );
    };
    const w: Watched = { session, handler, status: 'connected', attempt: 0, timer: undefined };
    this.#watched.set(session.name, w);
    session.client.addEventHandler(handler);
    if (options.connect) {
      w.status = 'reconnecting';
      this.#pool.reportConnection(session.name, 'disconnected', 'connecting');
      void this.#connect(w);
    }
  }

  status(name: string): Status | undefined {
    return this.#watched.get(name)?.status;
  }

  isDead(name: string): boolean {
    return this.#watched.get(name)?.status === 'dead';
  }

  markConnected(name: string): void {
    const w = this.#watched.get(name);
    if (w === undefined || w.status === 'dead' || w.status === 'stopped') return;
    this.#clock.clearTimeout(w.timer);
    w.timer = undefined;
    w.attempt = 0;
    const was = w.status;
    w.status = 'connected';
    if (was !== 'connected') {
      this.#logger.info({ worker: name }, 'session reconnected');
      this.#pool.reportConnection(name, 'connected', 'reconnected');
      this.#onReconnected(name);
    }
  }

  /** The connection dropped (an update, or a failed call): report it and schedule a reconnect. */
  markDisconnected(name: string, reason: string): void {
    const w = this.#watched.get(name);
    if (w === undefined || w.status !== 'connected') return;
    w.status = 'reconnecting';
    this.#logger.warn({ worker: name, reason }, 'session disconnected');
    this.#pool.reportConnection(name, 'disconnected', reason);
    this.#onDown(name);
    this.#schedule(w);
  }

  /** The session is dead for good: report it and never reconnect. */
  markDead(name: string, reason: string): void {
    const w = this.#watched.get(name);
    if (w === undefined || w.status === 'dead' || w.status === 'stopped') return;
    this.#clock.clearTimeout(w.timer);
    w.timer = undefined;
    w.status = 'dead';
    this.#logger.error({ worker: name, reason }, 'session is dead; it will not reconnect');
    this.#pool.reportConnection(name, 'dead', reason);
    this.#onDown(name);
  }

  unwatch(name: string): void {
    const w = this.#watched.get(name);
    if (w === undefined) return;
    this.#clock.clearTimeout(w.timer);
    w.status = 'stopped';
    this.#watched.delete(name);
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
    const cap = Math.min(maxDelayMs, minDelayMs * factor ** w.attempt);
    // "Equal jitter": half fixed, half random, so a fleet that dropped together does not return together.
    const delay = Math.round(cap / 2 + (this.#random() * cap) / 2);
    w.attempt++;
    w.timer = this.#clock.setTimeout(() => {
      w.timer = undefined;
      void this.#connect(w);
    }, delay);
  }

  async #connect(w: Watched): Promise<void> {
    if (w.status === 'dead' || w.status === 'stopped') return;
    if (w.session.client.connected === true) {
      this.markConnected(w.session.name);
      return;
    }
    try {
      await w.session.client.connect();
      if (w.status === 'reconnecting' || w.status === 'connected') {
        w.status = 'reconnecting';
        this.markConnected(w.session.name);
      }
    } catch (error) {
      if (w.status !== 'reconnecting' && w.status !== 'connected') return;
      const cls = classifyTelegramError(error);
      if (cls.type === 'session-dead') {
        this.markDead(w.session.name, cls.code);
        return;
      }
      if (w.status === 'connected') {
        w.status = 'reconnecting';
        this.#pool.reportConnection(w.session.name, 'disconnected', 'connect-failed');
        this.#onDown(w.session.name);
      }
      this.#logger.warn(
        {
          worker: w.session.name,
          attempt: w.attempt,
          reason: cls.type === 'unrecognised' ? cls.code : cls.type,
        },
        'reconnect failed',
      );
      this.#schedule(w);
    }
  }
}
