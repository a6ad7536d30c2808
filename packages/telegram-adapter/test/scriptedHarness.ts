import { Writable } from 'node:stream';
import { seededRandom, VirtualClock } from '@switchyard/core';
import { type Logger, pino } from 'pino';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { TelegramSessionSpec } from '../src/clientLike.js';
import type { TelegramSessionManagerOptions } from '../src/managerOptions.js';
import { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { type RequestRecord, ScriptedTelegram } from './scriptedTelegram.js';
import { settle } from './settle.js';

export interface ScriptedHarness {
  readonly clock: VirtualClock;
  readonly telegram: ScriptedTelegram;
  readonly manager: TelegramSessionManager;
  /** Every line the manager logged (pino, trace level). */
  readonly logs: string[];
  /** Run virtual time until `promise` settles (or `limitMs` passes). */
  settle<T>(promise: PromiseLike<T>, limitMs?: number): Promise<T>;
  /** Let every reachable session finish GramJS's `connect()` (a few turns of the event loop). */
  ready(): Promise<void>;
}

/**
 * A TelegramSessionManager over real GramJS clients wired to a scripted Telegram. The manager
 * connects them itself (GramJS's own `connect()`), on the harness's virtual clock.
 */
export function scriptedHarness(
  options: {
    sessions?: number | readonly string[];
    /** Usernames that exist on the scripted Telegram. */
    users?: readonly string[];
    seed?: number;
    /** Sessions whose network is down from the start. */
    unreachable?: readonly string[];
    /** Set up the scripted Telegram (channels, faults…) before the manager connects. */
    before?: (telegram: ScriptedTelegram) => void;
    /** The session given to the manager for `name` (default: the scripted GramJS client). */
    session?: (telegram: ScriptedTelegram, name: string) => TelegramSessionSpec;
  } & Partial<Omit<TelegramSessionManagerOptions, 'sessions'>> = {},
): ScriptedHarness {
  const {
    sessions = 3,
    users = [],
    seed = 1,
    unreachable = [],
    before,
    session = (t: ScriptedTelegram, name: string) => ({ name, client: t.client(name) }),
    ...rest
  } = options;
  const names = typeof sessions === 'number' ? Array.from({ length: sessions }, (_, i) => `s${i}`) : sessions;
  const clock = new VirtualClock(0);
  const telegram = new ScriptedTelegram({ clock });
  for (const username of users) telegram.addUser({ username });
  for (const name of unreachable) telegram.unreachable.add(name);
  before?.(telegram);
  const { logs, logger } = captureLogs();
  let next = 1;
  const manager = new TelegramSessionManager({
    sessions: names.map((name) => session(telegram, name)),
    clock,
    random: seededRandom(seed),
    logger,
    delayMs: 0,
    randomId: () => returnBigInt(next++),
    ...rest,
  });
  const ready = async () => {
    for (let i = 0; i < 100; i++) {
      const pending = names.filter(
        (n) => !unreachable.includes(n) && manager.getSessionInfo(n).connection !== 'connected',
      );
      if (pending.length === 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('sessions did not connect');
  };
  return {
    clock,
    telegram,
    manager,
    logs,
    settle: (promise, limitMs) => settle(clock, promise, limitMs),
    ready,
  };
}

/** A pino logger at trace level whose every line lands in `logs`. */
export function captureLogs(): { logs: string[]; logger: Logger } {
  const logs: string[] = [];
  const logger = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  return { logs, logger };
}

/**
 * The requests that reached Telegram, less GramJS's own look-up of the account's user
 * (`users.GetUsers` of `InputUserSelf`, which its update dispatch makes once per client on the
 * first update, the connection's included): what the fleet code itself asked for.
 */
export function requestsMade(telegram: ScriptedTelegram): RequestRecord[] {
  return telegram.requests.filter(
    ({ request }) =>
      !(
        request instanceof Api.users.GetUsers &&
        request.id.length === 1 &&
        request.id[0] instanceof Api.InputUserSelf
      ),
  );
}

/**
 * Let real GramJS work run (its `connect()`, its update dispatch: a few turns of the event loop,
 * no virtual time) until `done()` holds; fails if it never does.
 */
export async function turnsUntil(done: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!done()) throw new Error(`${what} did not hold after 100 turns of the event loop`);
}
