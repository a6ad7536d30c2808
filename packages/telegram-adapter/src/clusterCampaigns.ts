import type { JobTask, QueueConsumer, QueueProducer, RedisJournal, TaskOutcome } from '@switchyard/bullmq';
import {
  type Failure,
  type JournalItem,
  JournalTransitionError,
  type JsonValue,
  type OpenBatch,
  type Pool,
  PoolClosedError,
  sameJson,
  TaskCancelledError,
  TaskFailedError,
  ValidationError,
} from '@switchyard/core';
import type { Logger } from 'pino';
import { attemptOf, openCampaign, resultFromJournal } from './campaign.js';
import type { TelegramSession } from './clientLike.js';
import { ClusterHandBacks } from './clusterHandBacks.js';
import type { Content } from './deliver.js';
import type { FleetView } from './floodWaitRoute.js';
import type { ClusterOptions } from './managerOptions.js';
import type { MessageResult } from './messageResult.js';
import { UNKNOWN_OUTCOME } from './sendToRecipient.js';
import { loadBullmq, type SessionClaims } from './sessionClaims.js';
import { SEND_TO_STRANGERS } from './telegramErrorClass.js';

/** The queue every node serves with the sends of every cluster campaign. */
const SENDS = 'sends';
/**
 * How long an item bound to a session no node holds waits in Redis before it is looked at again
 * (its node is down: it may come back, or the item becomes unknown).
 */
const BOUND_RECHECK_MS = 5_000;
/**
 * The same for a session another live node holds: any node may take the job next, so a short
 * wait gets it to that node within a few tries (each try is one read of Redis).
 */
const BOUND_HELD_RECHECK_MS = 1_000;
/**
 * How long an item this node gave back (none of its sessions can send it soon) waits in Redis: a
 * node takes items only while a session of its own may send, so the delay is not what keeps it
 * from this node; it lets another node's free session be first to it.
 */
const HAND_BACK_MS = 1_000;
/** Default `unknownAfterMs`: long enough that a node's restart is not taken for its loss. */
export const DEFAULT_UNKNOWN_AFTER_MS = 5 * 60_000;
/** Default `lockMs`: BullMQ's own lock duration and stalled-job interval. */
const DEFAULT_LOCK_MS = 30_000;
/** How many times an item's job may stall (its node killed while holding it): no practical cap. */
const MAX_STALLS = 1_000_000;

/** What a node does with one item of a campaign: send it (as a pool task), or nothing (it is final). */
export interface ItemSend {
  readonly task: JobTask<TelegramSession>['task'];
  /** The item's result from how its task ended, recorded in the campaign before it is returned. */
  settle(outcome: TaskOutcome): Promise<MessageResult>;
  /** Whether the journal has the item `pending` (no attempt recorded, or one forgotten), as this node last saw it. */
  pending(): boolean;
  /** The task ended unsettled: its item went back to the queue. Records nothing. */
  drop(): void;
}

export interface ClusterCampaignsOptions {
  readonly cluster: ClusterOptions;
  readonly claims: SessionClaims;
  readonly pool: Pool<TelegramSession>;
  readonly logger: Logger;
  readonly now: () => number;
  /** Whether this node may send from the session now (it holds its claim and has it). */
  readonly hasSession: (session: string) => boolean;
  /** The content of a campaign, from what its batch recorded. */
  readonly contentOf: (batch: OpenBatch) => Promise<Content>;
  /** The send of one item (resumed on its session when it is `attempting` there); `signal` withdraws its task. */
  readonly itemSend: (batch: OpenBatch, item: JournalItem, content: Content, signal: AbortSignal) => ItemSend;
}

/**
 * A cluster's send campaigns: their state in a RedisJournal every node opens shared, their items
 * as jobs of one BullMQ queue (`<prefix>bull:sends`) that every serving node takes from as its
 * sessions have room. A job is an item: `{ campaign, key }`.
 */
export class ClusterCampaigns {
  readonly #o: ClusterCampaignsOptions;
  readonly #unknownAfterMs: number;
  readonly #bullPrefix: string;
  #journal: Promise<RedisJournal> | undefined;
  #producer: Promise<QueueProducer> | undefined;
  #consumer: Promise<QueueConsumer> | undefined;
  /** Campaigns this node has open (shared), with their content. */
  readonly #open = new Map<string, Promise<{ batch: OpenBatch; content: Content }>>();
  /** Items in this node's pool that go back to the queue when its sessions cannot send them soon. */
  readonly #handBacks = new ClusterHandBacks();
  #closing = false;

  constructor(options: ClusterCampaignsOptions) {
    this.#o = options;
    this.#unknownAfterMs = options.cluster.unknownAfterMs ?? DEFAULT_UNKNOWN_AFTER_MS;
    this.#bullPrefix = `${options.cluster.prefix ?? 'switchyard:'}bull`;
  }

  /** The cluster's journal (opened on first use). */
  journal(): Promise<RedisJournal> {
    this.#journal ??= loadBullmq().then(
      ({ RedisJournal }) =>
        new RedisJournal({
          redis: this.#o.cluster.redis,
          prefix: this.#o.cluster.prefix ?? 'switchyard:',
          // The manager's clock, so a result read back from Redis has a time on the same clock
          // as one settled here.
          now: this.#o.now,
        }),
    );
    return this.#journal;
  }

  /** Take items of every campaign from the queue while this node's sessions have room. Idempotent. */
  serve(): Promise<QueueConsumer> {
    this.#consumer ??= loadBullmq().then(({ serveQueue }) =>
      serveQueue(this.#o.pool, {
        queue: SENDS,
        connection: this.#o.cluster.redis,
        prefix: this.#bullPrefix,
        kind: 'sending',
        // Room is a session that may send to strangers now: one restricted (PEER_FLOOD) or in a
        // flood wait takes no item, so an item it gave back goes to another node's session.
        requires: [SEND_TO_STRANGERS],
        lockDurationMs: this.#o.cluster.lockMs ?? DEFAULT_LOCK_MS,
        stalledIntervalMs: this.#o.cluster.lockMs ?? DEFAULT_LOCK_MS,
        // A job stalls each time its node is killed while holding it; given back, it is safe to
        // take again (the journal's compare-and-set and bound items keep it from going out twice),
        // so BullMQ must not fail it after a second kill: that would report an item still pending.
        maxStalledCount: MAX_STALLS,
        logger: this.#o.logger,
        handlers: { send: (job) => this.#job(job.data as { campaign: string; key: string }) },
      }),
    );
    return this.#consumer;
  }

  /**
   * Enqueue a campaign's items (once: a job's id is the campaign and the item, so a second
   * enqueue adds nothing) and report each as its job finishes, on whichever node.
   */
  enqueue(campaign: string, keys: readonly string[], emit: (r: MessageResult) => void, signal: AbortSignal) {
    return (async () => {
      if (keys.length === 0) return;
      this.#producer ??= loadBullmq().then(({ openQueue }) =>
        openQueue({ queue: SENDS, connection: this.#o.cluster.redis, prefix: this.#bullPrefix }),
      );
      const producer = await this.#producer;
      const op = producer.enqueue(
        keys.map((key) => ({ key, name: 'send', data: { campaign, key } })),
        { batchId: campaign },
      );
      // The wait ends with the caller's reason (NoLiveSessionError, say), not a bare AbortError.
      const cancel = () => op.cancel(signal.reason);
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
      const sub = op.results$.subscribe({
        // A cancelled wait ends with `await op` below.
        error: () => {},
        next: (o) =>
          emit(
            o.status === 'fulfilled'
              ? (o.value as unknown as MessageResult)
              : {
                  recipient: o.key,
                  success: false,
                  outcome: 'failed',
                  sessionUsed: null,
                  error: o.reason.code,
                  attempts: 0,
                  timestamp: this.#o.now(),
                },
          ),
      });
      try {
        await op;
      } finally {
        sub.unsubscribe();
        signal.removeEventListener('abort', cancel);
      }
    })();
  }

  /**
   * A campaign's batch, opened shared once per node and kept open until `close()`: created from
   * `spec` (another content is a ValidationError naming `campaign`), or as recorded when omitted.
   */
  async open(
    id: string,
    spec?: { readonly kind: string; readonly content: JsonValue },
  ): Promise<{ batch: OpenBatch; content: Content }> {
    let open = this.#open.get(id);
    if (open !== undefined && spec !== undefined) {
      // Open here already: a call with another kind or content is still refused.
      const opened = await open;
      if (opened.batch.kind !== spec.kind || !sameJson(opened.batch.content, spec.content))
        throw new ValidationError([
          {
            field: 'campaign',
            reason: `campaign ${JSON.stringify(id)} exists with another content; use a new id, or the same content to resume it`,
          },
        ]);
      return opened;
    }
    if (open === undefined) {
      open = (async () => {
        const journal = await this.journal();
        const recorded = spec ?? (await journal.spec(id));
        if (recorded === undefined) throw new Error(`the cluster has no campaign ${JSON.stringify(id)}`);
        const batch = await openCampaign(journal, id, recorded.kind, recorded.content, true);
        return { batch, content: await this.#o.contentOf(batch) };
      })();
      this.#open.set(id, open);
      open.catch(() => this.#open.delete(id));
    }
    return open;
  }

  /** One job: an item to send, to resume on its session, to put off, or already final. */
  async #job({ campaign, key }: { campaign: string; key: string }) {
    const { jobLater, JobLockLostError } = await loadBullmq();
    const { batch, content } = await this.open(campaign);
    const item = await batch.get(key);
    if (item === undefined) throw new Error(`campaign ${JSON.stringify(campaign)} has no item ${key}`);
    const before = resultFromJournal(item);
    // Final already (its node stopped between recording it and completing the job).
    if (before !== undefined)
      return { task: { kind: 'other', requires: [], run: () => before }, settle: () => before };
    const bound = attemptOf(item);
    if (bound !== undefined && !this.#o.hasSession(bound.session)) {
      // Its outcome is unknown and only its session can learn it (the same randomId there).
      const gone = `gone:${bound.session}`;
      const holder = await this.#o.claims.holderOf(bound.session);
      if (holder !== undefined) {
        await batch.setCursor(gone, null);
        return jobLater(BOUND_HELD_RECHECK_MS);
      }
      const since = await batch.cursor(gone);
      const now = Date.now();
      if (typeof since !== 'number') {
        await batch.setCursor(gone, now);
        return jobLater(BOUND_RECHECK_MS);
      }
      if (now - since < this.#unknownAfterMs)
        return jobLater(Math.min(BOUND_RECHECK_MS, this.#unknownAfterMs - (now - since)));
      const unknown: MessageResult = {
        recipient: key,
        success: false,
        outcome: 'unknown',
        sessionUsed: bound.session,
        error: UNKNOWN_OUTCOME,
        attempts: 0,
        timestamp: this.#o.now(),
      };
      this.#o.logger.warn(
        { worker: bound.session, campaign },
        'an item bound to a session no node has held for unknownAfterMs is reported unknown',
      );
      await batch.transition(
        key,
        {
          state: 'unknown',
          reason: UNKNOWN_OUTCOME,
          worker: bound.session,
          attempt: item.state.state === 'attempting' ? item.state.attempt : null,
        },
        { expect: item.state },
      );
      return { task: { kind: 'other', requires: [], run: () => unknown }, settle: () => unknown };
    }
    const withdraw = new AbortController();
    const send = this.#o.itemSend(batch, item, content, withdraw.signal);
    const held = this.#handBacks.hold(send.task, () => send.pending(), withdraw);
    return {
      task: held.task,
      settle: async (outcome: TaskOutcome) => {
        try {
          // Cut off by this node's shutdown: the job goes back for a node (this one restarted) to finish.
          if ('error' in outcome && this.#closing && givesBack(outcome.error)) {
            send.drop();
            throw outcome.error;
          }
          // Cut off because this node lost the job's lock (it was paused, or Redis was out of
          // reach, past lockMs): the node that took the job over finishes the item from its record
          // as it stands (bound to its session if the send may have left). Recording it failed
          // here would report an item that is still going, or one that arrived.
          if ('error' in outcome && causedBy(outcome.error, JobLockLostError)) {
            send.drop();
            throw outcome.error;
          }
          // Another run of this job (taken over while this node was paused past lockMs, before
          // its lock renewal could tell) moved the item first: the compare-and-set refused this
          // run's write, and nothing left from here. Record nothing (a `failed` here would report
          // an item the other run is sending); look at the job again once that run is done.
          if ('error' in outcome && causedBy(outcome.error, JournalTransitionError)) {
            send.drop();
            this.#o.logger.warn(
              { campaign, key },
              'another run moved the item first; the job is looked at again',
            );
            return jobLater(HAND_BACK_MS);
          }
          if (held.wentBack(outcome)) {
            // `pending` in the journal, never sent from here: any node may send it.
            send.drop();
            this.#o.logger.info(
              { campaign, key },
              'no session of this node can send the item soon; it goes back to the queue',
            );
            return jobLater(HAND_BACK_MS);
          }
          return await send.settle(outcome);
        } finally {
          held.release();
        }
      },
    };
  }

  /**
   * A failed attempt of this node's pool has been classified as `failure`: items this node can
   * no longer send soon go back to the queue (see ClusterHandBacks). Returns the failure to act on.
   */
  classified(taskId: number, failure: Failure, fleet: () => FleetView): Failure {
    return this.#handBacks.classified(taskId, failure, fleet);
  }

  /** Stop taking items (those running are given back), release the campaigns, close the connections. */
  async close(): Promise<void> {
    this.#closing = true;
    const consumer = await this.#consumer?.catch(() => undefined);
    await consumer?.close({ drain: false });
    const producer = await this.#producer?.catch(() => undefined);
    await producer?.close();
    for (const open of this.#open.values()) await (await open.catch(() => undefined))?.batch.release();
    const journal = await this.#journal?.catch(() => undefined);
    await journal?.close();
  }
}

function givesBack(error: unknown): boolean {
  return error instanceof TaskCancelledError || error instanceof PoolClosedError;
}

/** Whether `error` is a `kind`, or a task cancelled or failed for one (its cause). */
function causedBy(error: unknown, kind: abstract new (...args: never[]) => Error): boolean {
  return (
    error instanceof kind ||
    ((error instanceof TaskCancelledError || error instanceof TaskFailedError) && error.cause instanceof kind)
  );
}
