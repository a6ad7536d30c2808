import type { Clock, Pool } from '@switchyard/core';
import { TaskFailedError, ValidationError } from '@switchyard/core';
import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import { Api, utils } from 'telegram';
import { NewMessage } from 'telegram/events/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import type { TelegramSession } from './clientLike.js';
import { type GroupRef, parseGroupRef, resolveGroupPeer } from './groupRef.js';

/** A new message in a monitored chat. */
export interface MonitoredMessage {
  /** The chat as it was passed to `startMonitoring`. */
  readonly chat: string;
  readonly id: number;
  readonly text: string;
  /** Unix time in seconds, as Telegram sends it. */
  readonly date: number;
  readonly senderId?: string;
  /** The session that saw it. */
  readonly session: string;
  /** True when it was fetched from history after a failover or reconnect, not pushed live. */
  readonly backfilled: boolean;
}

interface MessageLike {
  readonly id: number;
  readonly message?: string;
  readonly date?: number;
  readonly senderId?: { toString(): string } | undefined;
}

interface Watch {
  readonly ref: Exclude<GroupRef, { kind: 'invite' }>;
  readonly stop: AbortController;
  readonly out: Subject<MonitoredMessage>;
  lastId: number;
  session: string | undefined;
  down: AbortController | undefined;
  loop: Promise<void> | undefined;
}

/**
 * Watches chats for new messages. Each chat is one long-running `monitoring` task, so the
 * pool guarantees one session per chat; when that session goes down the task ends and is
 * submitted again, lands on another session, and back-fills from history what it missed
 * (message ids of channels and supergroups are per chat, so the gap is exact).
 */
export class ChatMonitor {
  readonly #pool: Pool<TelegramSession>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #backfillLimit: number;
  readonly #restartDelayMs: number;
  readonly #watches = new Map<string, Watch>();

  constructor(options: {
    pool: Pool<TelegramSession>;
    clock: Clock;
    logger: Logger;
    backfillLimit: number;
    restartDelayMs: number;
  }) {
    this.#pool = options.pool;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#backfillLimit = options.backfillLimit;
    this.#restartDelayMs = options.restartDelayMs;
  }

  start(chats: readonly unknown[]): Observable<MonitoredMessage> {
    if (!Array.isArray(chats) || chats.length === 0) {
      throw new ValidationError([{ field: 'chats', reason: 'at least one chat is required' }]);
    }
    const refs = chats.map((c, i) => {
      const ref = parseGroupRef(c, `chats.${i}`);
      if (ref.kind === 'invite') {
        throw new ValidationError([
          { field: `chats.${i}`, reason: 'join the chat first; invite links cannot be monitored' },
        ]);
      }
      if (this.#watches.has(ref.input))
        throw new ValidationError([{ field: `chats.${i}`, reason: 'already monitored' }]);
      return ref;
    });
    const out = new Subject<MonitoredMessage>();
    let open = refs.length;
    for (const ref of refs) {
      const watch: Watch = {
        ref,
        stop: new AbortController(),
        out,
        lastId: 0,
        session: undefined,
        down: undefined,
        loop: undefined,
      };
      this.#watches.set(ref.input, watch);
      watch.loop = this.#loop(watch).finally(() => {
        this.#watches.delete(ref.input);
        if (--open === 0) out.complete();
      });
    }
    return out.asObservable();
  }

  /** Which session watches each chat now (undefined while it fails over). */
  assignments(): Map<string, string | undefined> {
    return new Map([...this.#watches].map(([chat, w]) => [chat, w.session]));
  }

  /** The session went down: its chats move to other sessions. */
  sessionDown(name: string): void {
    for (const w of this.#watches.values()) if (w.session === name) w.down?.abort();
  }

  async stop(chats?: readonly string[]): Promise<void> {
    const targets =
      chats === undefined ? [...this.#watches.values()] : chats.map((c) => this.#watches.get(c));
    for (const w of targets) w?.stop.abort();
    await Promise.all(targets.map((w) => w?.loop));
  }

  async #loop(w: Watch): Promise<void> {
    while (!w.stop.signal.aborted) {
      try {
        await this.#pool.submit({
          kind: 'monitoring',
          key: `chat:${w.ref.input}`,
          signal: w.stop.signal,
          run: ({ worker, resource, signal }) => this.#watchOn(w, worker, resource, signal),
        });
      } catch (error) {
        if (w.stop.signal.aborted) return;
        if (error instanceof TaskFailedError && error.failure === 'permanent') {
          this.#logger.error({ chat: w.ref.input, err: describe(error.cause) }, 'chat cannot be monitored');
          return;
        }
      }
      await sleep(this.#clock, this.#restartDelayMs, w.stop.signal);
    }
  }

  async #watchOn(w: Watch, worker: string, session: TelegramSession, signal: AbortSignal): Promise<void> {
    const { client } = session;
    const peer = await resolveGroupPeer(client, w.ref);
    const down = new AbortController();
    w.session = worker;
    w.down = down;
    let buffer: MessageLike[] | undefined = w.lastId > 0 ? [] : undefined;
    const emit = (m: MessageLike, backfilled: boolean) => {
      if (m.id <= w.lastId) return;
      w.lastId = m.id;
      w.out.next({
        chat: w.ref.input,
        id: m.id,
        text: m.message ?? '',
        date: m.date ?? 0,
        ...(m.senderId !== undefined ? { senderId: m.senderId.toString() } : {}),
        session: worker,
        backfilled,
      });
    };
    const handler = (event: { message: MessageLike }) => {
      if (buffer !== undefined) buffer.push(event.message);
      else emit(event.message, false);
    };
    // GramJS stringifies `chats`; the marked id ("-100…") resolves offline, an InputPeer does not.
    const builder = new NewMessage({ chats: [utils.getPeerId(peer)] });
    client.addEventHandler(handler, builder);
    try {
      if (buffer !== undefined) {
        // Live messages that arrive during the back-fill wait, so ids stay in order.
        const history = await client.invoke(
          new Api.messages.GetHistory({
            peer,
            minId: w.lastId,
            limit: this.#backfillLimit,
            offsetId: 0,
            offsetDate: 0,
            addOffset: 0,
            maxId: 0,
            hash: returnBigInt(0),
          }),
        );
        const missed = 'messages' in history ? history.messages.filter((m) => m instanceof Api.Message) : [];
        for (const m of missed.sort((a, b) => a.id - b.id)) emit(m, true);
        for (const m of buffer.sort((a, b) => a.id - b.id)) emit(m, false);
        buffer = undefined;
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted || down.signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
        down.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      client.removeEventHandler(handler, builder);
      w.session = undefined;
      w.down = undefined;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wait on the injected clock; resolves early when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
