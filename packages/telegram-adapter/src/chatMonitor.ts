import type { Clock, Pool } from '@switchyard/core';
import { AttemptTimeoutError, TaskFailedError, ValidationError } from '@switchyard/core';
import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import { Api, utils } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { channelSignal, ptsVerdict } from './channelPts.js';
import { ChatCursor, type CursorMessage } from './chatCursor.js';
import type { TelegramSession } from './clientLike.js';
import { type GroupRef, parseGroupRef, resolveGroupPeer } from './groupRef.js';
import { historyPage, historySince, type InvokeHistory } from './historySince.js';

/** A new message in a monitored chat. */
export interface MonitoredMessage {
  /** The chat as it was passed to `startMonitoring`. */
  readonly chat: string;
  /**
   * The message id as the watching `session` sees it. In channels and supergroups every
   * account sees the same id; in basic groups each account numbers messages itself.
   */
  readonly id: number;
  readonly text: string;
  /** Unix time in seconds, as Telegram sends it. */
  readonly date: number;
  readonly senderId?: string;
  /** The session that saw it. */
  readonly session: string;
  /**
   * True when it was fetched from history (after a failover or reconnect, or to fill a gap in
   * the updates Telegram pushed), not pushed live.
   */
  readonly backfilled: boolean;
  /**
   * Set on the first message of a back-fill that found more missed messages than
   * `backfillLimit`: the older ones were not delivered, and messages are missing before this
   * one. Page back with `messages.GetHistory` below its `id` (on its `session`) to fetch them.
   */
  readonly gapBefore?: true;
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
  /** How far the chat has been delivered, kept across the sessions that watch it. */
  readonly cursor: ChatCursor;
  session: string | undefined;
  down: AbortController | undefined;
  loop: Promise<void> | undefined;
}

/**
 * Watches chats for new messages. Each chat is one long-running `monitoring` task, so the
 * pool guarantees one session per chat; when that session goes down the task ends and is
 * submitted again, lands on another session, and back-fills from history what it missed:
 * page after page down to the last delivered message, at most `backfillLimit` messages (the
 * first delivered after a larger gap carries `gapBefore`). In channels and supergroups the
 * gap is exact (ids are per chat); in basic groups ids are per account, so each session pages
 * down to its own last id and to the date of the last delivered message (see {@link ChatCursor}).
 * A channel whose updates skip ahead of its pts, or an `updateChannelTooLong`, is caught up
 * the same way from the last delivered id.
 */
export class ChatMonitor {
  readonly #pool: Pool<TelegramSession>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #backfillLimit: number;
  readonly #requestTimeoutMs: number;
  readonly #restartDelayMs: number;
  readonly #watches = new Map<string, Watch>();

  constructor(options: {
    pool: Pool<TelegramSession>;
    clock: Clock;
    logger: Logger;
    backfillLimit: number;
    /** Budget for one history request; GramJS's invoke can wait for ever. */
    requestTimeoutMs: number;
    restartDelayMs: number;
  }) {
    this.#pool = options.pool;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#backfillLimit = options.backfillLimit;
    this.#requestTimeoutMs = options.requestTimeoutMs;
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
        cursor: new ChatCursor(),
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
    const chatId = utils.getPeerId(peer);
    const channelId = peer instanceof Api.InputPeerChannel ? peer.channelId.toString() : undefined;
    w.cursor.setIdsPerAccount(!(peer instanceof Api.InputPeerChannel));
    // A request that never answers fails the run, which starts again from the cursor.
    const run = new AbortController();
    const invoke: InvokeHistory = (request) =>
      within(this.#clock, this.#requestTimeoutMs, client.invoke(request), run.signal);
    let failed: (error: unknown) => void = () => {};
    const failure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    failure.catch(() => {});
    // Updates wait here while history is fetched, so messages are delivered in order.
    const pending: unknown[] = [];
    let fetching = false;
    let ended = false;
    const emit = (m: MessageLike, backfilled: boolean, gapBefore = false) => {
      // A fetch that finishes after the session lost the chat delivers nothing: another took over.
      if (ended) return;
      const message = cursorMessage(m);
      w.cursor.delivered(worker, message);
      w.out.next({
        chat: w.ref.input,
        id: m.id,
        text: message.text,
        date: message.date,
        ...(message.senderId !== undefined ? { senderId: message.senderId } : {}),
        session: worker,
        backfilled,
        ...(gapBefore ? { gapBefore: true } : {}),
      });
    };
    const catchUp = async (): Promise<void> => {
      if (!w.cursor.started) {
        // Nothing delivered yet: note where the chat is now, so a later failover knows where to start.
        const answer = await invoke(historyPage(peer, { offsetId: 0, minId: 0, limit: BASELINE_PAGE }));
        if (ended || answer instanceof Api.messages.MessagesNotModified) return;
        if (answer instanceof Api.messages.ChannelMessages) w.cursor.pts = answer.pts;
        // Messages pushed while it was read came after the start: they are delivered, once.
        const early = pending.splice(0).map(messageOf);
        w.cursor.baseline(worker, answer.messages.map(cursorMessage));
        const sent = new Set<number>();
        for (const m of early) {
          if (m === undefined || utils.getPeerId(m.peerId) !== chatId || sent.has(m.id)) continue;
          sent.add(m.id);
          emit(m, false);
        }
        return;
      }
      const missed = await historySince({
        invoke,
        peer,
        minId: w.cursor.minIdOn(worker),
        since: w.cursor.sinceOn(),
        limit: this.#backfillLimit,
        counts: (m) => w.cursor.surelyNew(cursorMessage(m)),
      });
      // Another session may have taken the chat over meanwhile: this answer moves nothing.
      if (ended) return;
      const fresh = w.cursor.undelivered(worker, missed.messages.map(withCursor));
      const gap = missed.overflow || fresh.length > this.#backfillLimit;
      const delivered = fresh.slice(-this.#backfillLimit);
      for (const [i, { message }] of delivered.entries()) emit(message, true, gap && i === 0);
      // Ids this session skipped as already delivered (from another session) are behind it too.
      w.cursor.seen(worker, missed.topId);
      if (missed.pts !== undefined) w.cursor.pts = Math.max(w.cursor.pts ?? 0, missed.pts);
      if (gap) {
        this.#logger.warn(
          { chat: w.ref.input, session: worker, limit: this.#backfillLimit },
          'more messages were missed than backfillLimit; the oldest were not delivered',
        );
      }
    };
    const fetch = (): void => {
      fetching = true;
      catchUp().then(
        () => {
          fetching = false;
          drain();
        },
        (error: unknown) => failed(error),
      );
    };
    const take = (update: unknown): void => {
      const channel = channelId === undefined ? undefined : channelSignal(update);
      if (channel !== undefined && channel.channelId === channelId) {
        if (channel.kind === 'too-long') {
          fetch();
          return;
        }
        const verdict = ptsVerdict(w.cursor.pts, channel.pts, channel.ptsCount);
        // The message that showed the gap is in the history fetched to fill it.
        if (verdict === 'gap') {
          fetch();
          return;
        }
        if (verdict === 'apply') w.cursor.pts = channel.pts;
      }
      const m = messageOf(update);
      if (m === undefined || utils.getPeerId(m.peerId) !== chatId) return;
      if (w.cursor.isNewLive(worker, cursorMessage(m))) emit(m, false);
    };
    const drain = (): void => {
      while (!fetching && pending.length > 0) take(pending.shift());
    };
    const handler = (update: unknown) => {
      pending.push(update);
      drain();
    };
    const builder = new Raw({});
    client.addEventHandler(handler, builder);
    try {
      fetch();
      await Promise.race([
        failure,
        new Promise<void>((resolve) => {
          if (signal.aborted || down.signal.aborted) return resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
          down.signal.addEventListener('abort', () => resolve(), { once: true });
        }),
      ]);
    } finally {
      ended = true;
      run.abort();
      client.removeEventHandler(handler, builder);
      w.session = undefined;
      w.down = undefined;
    }
  }
}

/** Messages read from history before anything was delivered: enough to cover the newest second. */
const BASELINE_PAGE = 20;

function cursorMessage(m: MessageLike | Api.TypeMessage): CursorMessage {
  const like = m as MessageLike;
  return {
    id: like.id,
    date: like.date ?? 0,
    text: like.message ?? '',
    senderId: like.senderId?.toString(),
  };
}

function withCursor(message: Api.Message): CursorMessage & { message: Api.Message } {
  return { ...cursorMessage(message), message };
}

/** The new message an update carries, in the long or the short form Telegram sends. */
function messageOf(update: unknown): Api.Message | undefined {
  if (update instanceof Api.UpdateNewMessage || update instanceof Api.UpdateNewChannelMessage) {
    return update.message instanceof Api.Message ? update.message : undefined;
  }
  if (update instanceof Api.UpdateShortChatMessage) {
    return new Api.Message({
      id: update.id,
      out: update.out,
      peerId: new Api.PeerChat({ chatId: update.chatId }),
      fromId: new Api.PeerUser({ userId: update.fromId }),
      date: update.date,
      message: update.message,
    });
  }
  return undefined;
}

/**
 * `promise`, or an `AttemptTimeoutError` (transient) after `ms` on the clock; no timer is left
 * once `ended` aborts (the answer is then ignored).
 */
function within<T>(clock: Clock, ms: number, promise: Promise<T>, ended: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new AttemptTimeoutError(ms)), ms);
    const stop = () => {
      clock.clearTimeout(timer);
      reject(new AttemptTimeoutError(ms));
    };
    ended.addEventListener('abort', stop, { once: true });
    const settle = () => {
      clock.clearTimeout(timer);
      ended.removeEventListener('abort', stop);
    };
    promise.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
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
