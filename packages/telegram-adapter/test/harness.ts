import { Writable } from 'node:stream';
import { seededRandom, VirtualClock } from '@switchyard/core';
import { type Logger, pino } from 'pino';
import { returnBigInt } from 'telegram/Helpers.js';
import type { TelegramSessionManagerOptions } from '../src/managerOptions.js';
import { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { FakeTelegram, type Group } from './fakeTelegram.js';

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

export interface Harness {
  readonly clock: VirtualClock;
  readonly telegram: FakeTelegram;
  readonly manager: TelegramSessionManager;
  readonly logs: string[];
  /** Run virtual time until `promise` settles (or `limitMs` passes). */
  settle<T>(promise: PromiseLike<T>, limitMs?: number): Promise<T>;
}

export function harness(
  options: {
    sessions?: number | readonly string[];
    groups?: readonly Group[];
    seed?: number;
    /** Sessions whose network is down from the start. */
    offline?: readonly string[];
  } & Partial<Omit<TelegramSessionManagerOptions, 'sessions'>> = {},
): Harness {
  const { sessions = 3, groups = [], seed = 1, offline = [], ...rest } = options;
  const names = typeof sessions === 'number' ? Array.from({ length: sessions }, (_, i) => `s${i}`) : sessions;
  const clock = new VirtualClock(0);
  const telegram = new FakeTelegram(groups);
  for (const name of offline) telegram.offline.add(name);
  const { logs, logger } = captureLogs();
  let next = 1;
  const manager = new TelegramSessionManager({
    sessions: names.map((name) => ({ name, client: telegram.client(name) })),
    clock,
    random: seededRandom(seed),
    logger,
    connect: false,
    delayMs: 0,
    randomId: () => returnBigInt(next++),
    ...rest,
  });
  const settle = settler(clock);
  return { clock, telegram, manager, logs, settle };
}

/** Run virtual time until a promise settles (or `limitMs` passes); see `Harness.settle`. */
export function settler(clock: VirtualClock): Harness['settle'] {
  return async <T>(promise: PromiseLike<T>, limitMs = 24 * 3600_000): Promise<T> => {
    let done = false;
    const p = Promise.resolve(promise).finally(() => {
      done = true;
    });
    p.catch(() => {});
    const end = clock.now() + limitMs;
    while (!done && clock.now() < end) {
      await clock.advance(0);
      if (done) break;
      const at = clock.nextTimerAt();
      if (at === undefined) break; // nothing left on virtual time: wait for real I/O below
      if (at > end) {
        await clock.advanceTo(end);
        break;
      }
      await clock.advanceTo(at);
    }
    return p;
  };
}

/** Occupy a slot on `worker` until the returned release is called (or the pool closes). */
export function occupy(
  manager: TelegramSessionManager,
  worker: string,
  kind: 'sending' | 'scraping' | 'monitoring' | 'other' = 'other',
): { release: () => void; done: Promise<unknown> } {
  let release = () => {};
  const others = manager.sessionNames().filter((n) => n !== worker);
  const done = manager.pool.submit({
    kind,
    antiAffinity: others,
    run: ({ signal }) =>
      new Promise<void>((resolve, reject) => {
        release = resolve;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  });
  done.catch(() => {});
  return { release: () => release(), done };
}

/** Send to one recipient at a time and return the session each went out on. */
export async function sendSequentially(
  h: Pick<Harness, 'manager' | 'settle'>,
  count: number,
  prefix = 'seq_user',
): Promise<(string | null)[]> {
  const used: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const report = await h.settle(h.manager.sendTextMessagesBulk([`${prefix}${i}`], 'hi'));
    used.push(report.results.get(`${prefix}${i}`)!.sessionUsed);
  }
  return used;
}
