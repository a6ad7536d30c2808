import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type {
  Clock,
  Failure,
  ItemState,
  Journal,
  JournalItem,
  JsonValue,
  OpenBatch,
  Pool,
  PoolSnapshot,
  Random,
  Strategy,
  TaskView,
} from '@switchyard/core';
import {
  BulkOperation,
  checkProcessArgs,
  createPool,
  type ProcessSource,
  SwitchyardError,
  systemClock,
  ValidationError,
} from '@switchyard/core';
import { type Logger, pino } from 'pino';
import type { Observable } from 'rxjs';
import { generateRandomLong } from 'telegram/Helpers.js';
import { ManagerShutDownError, NoConnectedSessionError, NoLiveSessionError } from './adapterErrors.js';
import {
  attemptOf,
  type CampaignStatus,
  campaignStatus,
  checkCampaignId,
  distinctRows,
  JOIN_AND_SCRAPE_GROUPS,
  keyable,
  keyOf,
  openCampaign,
  openJournal,
  payloadOf,
  recordAsRead,
  recordRecipients,
  recordResult,
  recordScrape,
  recordSourceFile,
  restoreScrapeState,
  resultFromJournal,
  SCRAPE_GROUPS,
  SEND_MEDIA,
  SEND_TEXT,
  type SendAttempt,
  STREAM_SOURCE,
  saveScrapeState,
  scrapeCursor,
  scrapeResultFromJournal,
  storedSource,
} from './campaign.js';
import { CapabilityHolds } from './capabilityHolds.js';
import { ChatMonitor, type MonitoredMessage } from './chatMonitor.js';
import { judgeFailure, type SessionEffect } from './classifyFailure.js';
import {
  surfaceFloodWaits,
  type TelegramSession,
  type TelegramSessionSpec,
  tryEachRequestOnce,
} from './clientLike.js';
import { ClusterCampaigns, type ItemSend } from './clusterCampaigns.js';
import { type Connection, ConnectionSupervisor, connectionOf } from './connectionSupervisor.js';
import { DailyQuota } from './dailyQuota.js';
import type { Content } from './deliver.js';
import { type FleetView, floodWaitRoute } from './floodWaitRoute.js';
import { parseGroupRef } from './groupRef.js';
import { checkManagerOptions, type TelegramSessionManagerOptions } from './managerOptions.js';
import { checkMediaFile, type MediaType } from './mediaFile.js';
import { writeMembers } from './memberExport.js';
import { type BulkSendReport, type MessageResult, SummaryCounter } from './messageResult.js';
import { validateCaption, validateMessageText } from './messageText.js';
import {
  OPERATION_KINDS,
  type OperationKind,
  snapshotWithOperationKinds,
  withOperationKinds,
} from './operationKinds.js';
import {
  type BulkScrapeOptions,
  type BulkSendOptions,
  checkBulkScrapeOptions,
  checkBulkSendOptions,
  checkMediaSendOptions,
  checkScrapeGroupOptions,
  type MediaSendOptions,
  type ScrapeGroupOptions,
} from './operationOptions.js';
import { OutageDeadline } from './outageDeadline.js';
import { JournalPeerClaims, MemoryPeerClaims } from './peerClaims.js';
import { PeerRoutes } from './peerRoutes.js';
import { checkRecipient, partitionRecipients, type Recipient } from './recipient.js';
import {
  collect,
  fileOriginOf,
  type Groups,
  isStream,
  pumpAll,
  type Recipients,
  readSource,
} from './recipientSource.js';
import { knowsUser, PeerBook } from './resolvePeer.js';
import { type GroupScrapeResult, SCRAPE, scrapeGroupTask } from './scrapeGroupTask.js';
import {
  DUPLICATE_RECIPIENT,
  type DurableSend,
  SEND_PACE_KEY,
  type SendOptions,
  type SendOutcome,
  sendTask,
} from './sendToRecipient.js';
import { type SessionClaim, SessionClaims } from './sessionClaims.js';
import { SessionMedia } from './sessionMedia.js';
import { sessionsFromArray } from './sessionSources.js';
import { DEFAULT_STRATEGY, resolveStrategy, type StrategyName } from './strategyName.js';
import type { TaskContext } from './taskContext.js';
import { JOIN, SEND_TO_STRANGERS } from './telegramErrorClass.js';

const BASE_CAPABILITIES = [SEND_TO_STRANGERS, JOIN, SCRAPE] as const;

/** Core's default `retry.maxRateLimitWaitMs`: how long an item may wait for a session. */
const DEFAULT_WAIT_BUDGET_MS = 15 * 60_000;

/** Messages a monitored chat back-fills at most at once (`backfillLimit`). */
const DEFAULT_BACKFILL_LIMIT = 1000;

/** Unknown-outcome pins remembered at most (oldest forgotten first); each is a few bytes. */
const MAX_PINS = 10_000;

export interface BulkScrapeReport {
  readonly results: Map<string, GroupScrapeResult>;
  readonly summary: {
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly pending: number;
    /**
     * Successful scrapes that did not list every member (each result's `complete` is false and
     * its `incompleteReason` says why). Joins still pending are counted in `pending` only.
     */
    readonly incomplete: number;
    readonly members: number;
    readonly bySession: Readonly<Record<string, number>>;
  };
}

export interface SessionInfo {
  readonly name: string;
  /** `refused`: in a cluster, another node holds the session's claim (or took it): never connected here. */
  readonly connection: 'connected' | 'reconnecting' | 'dead' | 'refused' | 'unknown';
  readonly load: number;
  readonly capabilities: readonly string[];
  /** Capabilities taken away for now, with the clock time they come back. */
  readonly restricted: Readonly<Record<string, number>>;
  /**
   * While the session's pacing (`delayMs`) holds its next send back: the clock time it may
   * send again. Absent when it may send now.
   */
  readonly pacedUntil?: number;
  readonly scrapeQuotaLeft: number;
  /** In a cluster (`cluster` option): where this node stands with the session's claim. */
  readonly claim?: SessionClaim;
}

/**
 * Many GramJS sessions as one balanced pool. Every operation is a
 * task in a `@switchyard/core` pool whose workers are the sessions, so load, limits,
 * retries, flood waits and dead sessions are handled in one place.
 */
export class TelegramSessionManager {
  /** The underlying pool, for events$ and snapshots. */
  readonly pool: Pool<TelegramSession>;
  readonly #sessions = new Map<string, TelegramSession>();
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #holds: CapabilityHolds;
  readonly #quota: DailyQuota;
  readonly #supervisor: ConnectionSupervisor;
  readonly #monitor: ChatMonitor;
  readonly #operations = new Set<AbortController>();
  readonly #outage: OutageDeadline<AbortController>;
  /**
   * Items pinned to a session by an unknown outcome (task id → session): a flood wait there
   * cannot move them. The pool keeps the pin itself but does not show it to `classify`.
   */
  readonly #pins = new Map<number, string>();
  /** Phone numbers each session has resolved. */
  readonly #peers = new PeerBook();
  /** User-id items that only some sessions can serve, told when a session goes for good. */
  readonly #routes = new PeerRoutes();
  readonly #options: TelegramSessionManagerOptions;
  readonly #taskContext: TaskContext;
  #strategyName: string;
  #shutdown: Promise<void> | undefined;
  /** Where campaigns are recorded, and whether the manager opened it (and so closes it). */
  readonly #journal: { readonly journal: Journal; readonly owned: boolean } | undefined;
  /** Campaign operations running now: shutdown lets them record their last states first. */
  readonly #campaignRuns = new Set<Promise<unknown>>();
  /** In a cluster: this node's claims on its sessions. */
  readonly #claims: SessionClaims | undefined;
  /** Sessions given up because another node holds their claim, with how it stands. */
  readonly #refused = new Map<string, SessionClaim>();
  /** Claims on their way, and sessions being given up: shutdown waits for them. */
  readonly #claimWork = new Set<Promise<void>>();
  /** In a cluster: its campaigns, kept in its Redis and sent by every serving node. */
  readonly #cluster: ClusterCampaigns | undefined;

  constructor(options: TelegramSessionManagerOptions) {
    this.#options = checkManagerOptions(options);
    const sessions = sessionsFromArray(options.sessions);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    const { name, strategy } = resolveStrategy(options.strategy ?? DEFAULT_STRATEGY, {
      clock: this.#clock,
      random: this.#random,
    });
    this.#strategyName = name;
    // Opened before anything connects: a bad file throws here and nothing is sent.
    this.#journal =
      options.journal === undefined ? undefined : openJournal(options.journal, () => this.#clock.now());
    this.#logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'telegram-adapter' });
    this.pool = createPool<TelegramSession>({
      strategy,
      classify: (error, task) => this.#classify(error, task),
      limits: { scraping: 5, ...options.limits },
      // Telegram's broadcast guidance is about 30 messages/s overall: a fleet-wide cap, on top of
      // each session's own pacing.
      // Strict: a sliding window never lets more than the cap start in any one second (a token
      // bucket would let a full bucket and a second's refill through together).
      rates: { sending: { perSecond: this.fleetSendsPerSecond, strict: true } },
      ...(options.retry ? { retry: options.retry } : {}),
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
    });
    this.#holds = new CapabilityHolds(this.pool, this.#clock);
    const quota = options.dailyScrapeQuota ?? 100;
    this.#quota = new DailyQuota({
      clock: this.#clock,
      holds: this.#holds,
      capability: SCRAPE,
      limitOf: (s) => (typeof quota === 'number' ? quota : (quota[s] ?? Number.POSITIVE_INFINITY)),
    });
    this.#taskContext = {
      pool: this.pool,
      clock: this.#clock,
      newRandomId: options.randomId ?? (() => generateRandomLong(true)),
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      scrapeQuota: this.#quota,
      lifeline: (session) => this.#supervisor.lifeline(session),
    };
    this.#monitor = new ChatMonitor({
      pool: this.pool,
      clock: this.#clock,
      logger: this.#logger,
      backfillLimit: options.backfillLimit ?? DEFAULT_BACKFILL_LIMIT,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      restartDelayMs: 1000,
    });
    this.#supervisor = new ConnectionSupervisor({
      pool: this.pool,
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      onDown: (s) => this.#onSessionDown(s),
      onReconnected: () => this.#outage.check(),
    });
    this.#outage = new OutageDeadline({
      clock: this.#clock,
      budgetMs: waitBudgetMs(options.retry?.maxRateLimitWaitMs),
      down: () => !this.#supervisor.anyConnected(this.#sessions.keys()),
      expire: (controller, waitedMs) => controller.abort(new NoConnectedSessionError(waitedMs)),
    });
    // After every check: nothing is opened for a manager that is refused.
    this.#claims =
      options.cluster === undefined
        ? undefined
        : new SessionClaims(options.cluster, (name, heldBy) => this.#claimLost(name, heldBy));
    this.#cluster =
      options.cluster === undefined
        ? undefined
        : new ClusterCampaigns({
            cluster: options.cluster,
            claims: this.#claims!,
            pool: this.pool,
            logger: this.#logger,
            now: () => this.#clock.now(),
            hasSession: (name) => this.#sessions.has(name) && this.#claims?.state(name)?.state === 'held',
            contentOf: async (batch) => ({
              kind: 'text',
              message: validateMessageText((batch.content as Record<string, JsonValue>).message),
            }),
            itemSend: (batch, item, content, signal) =>
              this.#itemSend(recipientOf(item.payload), item, batch, content, {
                delayMs: this.#options.delayMs ?? 2000,
                signal,
                attemptTimeoutMs: this.#sendTimeout(content),
                peers: this.#peers,
                claims: new JournalPeerClaims(batch),
              }),
          });
    for (const s of sessions) this.addSession(s);
  }

  // ---------------------------------------------------------------- sessions

  addSession(session: TelegramSessionSpec): void {
    this.#assertOpen();
    const [checked] = sessionsFromArray([session]);
    if (this.#sessions.has(checked!.name)) {
      throw new ValidationError([
        { field: 'session.name', reason: `a session named ${checked!.name} exists` },
      ]);
    }
    surfaceFloodWaits(checked!.client);
    tryEachRequestOnce(session.client);
    this.#sessions.set(checked!.name, checked!);
    this.pool.addWorker({
      id: checked!.name,
      resource: checked!,
      capacity: this.#options.sessionCapacity ?? 4,
      capabilities: BASE_CAPABILITIES,
    });
    this.#holds.register(checked!.name, BASE_CAPABILITIES);
    this.#refused.delete(checked!.name);
    // In a cluster a session connects only once this node holds its claim.
    this.#supervisor.watch(checked!, {
      connect: this.#claims !== undefined ? 'later' : this.#options.connect !== false,
    });
    this.#outage.check();
    if (this.#claims !== undefined) this.#claim(checked!.name);
  }

  /** Claim a session for this node; connect it when held, give it up when another node has it. */
  #claim(name: string): void {
    const claims = this.#claims!;
    this.#track(
      claims.claim(name).then(async (claim) => {
        if (this.#shutdown !== undefined || !this.#sessions.has(name)) return;
        if (claim.state === 'held') {
          this.#logger.info({ worker: name, node: claims.node }, 'session claimed');
          this.#supervisor.connectNow(name);
          return;
        }
        this.#logger.error(
          { worker: name, node: claims.node, heldBy: claim.heldBy },
          'session refused: another live node holds its claim; it is not connected here',
        );
        await this.#giveUp(name, claim);
      }),
    );
  }

  /** Another node took a session's claim, or it lapsed unrenewed: stop using the session at once. */
  #claimLost(name: string, heldBy: string | undefined): void {
    if (this.#shutdown !== undefined || !this.#sessions.has(name)) return;
    this.#logger.error(
      { worker: name, heldBy },
      heldBy === undefined
        ? 'session claim could not be renewed before it lapsed: the session is taken out of work'
        : 'session claim taken by another node: the session is taken out of work',
    );
    const session = this.#sessions.get(name);
    this.#track(
      this.#giveUp(name, { state: 'lost', ...(heldBy === undefined ? {} : { heldBy }) }).then(() =>
        session?.client.disconnect().catch(() => undefined),
      ),
    );
  }

  async #giveUp(name: string, claim: SessionClaim): Promise<void> {
    this.#refused.set(name, claim);
    this.pool.cancelWorkerTasks(name);
    await this.removeSession(name);
  }

  #track(work: Promise<unknown>): void {
    const run = work.then(
      () => undefined,
      (error: unknown) => this.#logger.warn({ err: error }, 'session claim handling failed'),
    );
    this.#claimWork.add(run);
    void run.finally(() => this.#claimWork.delete(run));
  }

  /** Stop giving the session work, let its running tasks finish, then forget it. */
  async removeSession(name: string): Promise<void> {
    this.#session(name);
    this.#monitor.sessionDown(name);
    await this.pool.removeWorker(name);
    this.#supervisor.unwatch(name);
    this.#holds.unregister(name);
    this.#quota.forget(name);
    this.#peers.forget(name);
    this.#sessions.delete(name);
    this.#outage.check();
    this.#routes.sessionGone();
    await this.#claims?.release(name);
  }

  sessionNames(): string[] {
    return [...this.#sessions.keys()];
  }

  getSessionInfo(name: string): SessionInfo {
    const refused = this.#refused.get(name);
    if (refused !== undefined && !this.#sessions.has(name))
      return {
        name,
        connection: 'refused',
        load: 0,
        capabilities: [],
        restricted: {},
        scrapeQuotaLeft: 0,
        claim: refused,
      };
    this.#session(name);
    return this.#sessionInfo(name, this.#supervisor.connection(name));
  }

  #sessionInfo(name: string, connection: Connection | undefined): SessionInfo {
    const view = this.pool.getWorker(name);
    const restricted: Record<string, number> = {};
    for (const cap of BASE_CAPABILITIES) {
      const until = this.#holds.heldUntil(name, cap);
      if (until !== undefined) restricted[cap] = until;
    }
    const pacedUntil = this.pool.workerSnapshot(name)?.pacedUntil?.[SEND_PACE_KEY];
    return {
      name,
      connection: connection ?? 'unknown',
      load: view?.inFlight ?? 0,
      capabilities: [...(view?.capabilities ?? [])],
      restricted,
      ...(pacedUntil === undefined ? {} : { pacedUntil }),
      scrapeQuotaLeft: this.#quota.remaining(name),
      ...(this.#claims === undefined ? {} : { claim: this.#claims.state(name) ?? { state: 'claiming' } }),
    };
  }

  /** Report a dropped connection for a session (e.g. from your own health checks). */
  reportDisconnected(name: string, reason = 'reported'): void {
    this.#session(name);
    this.#supervisor.markDisconnected(name, reason);
  }

  // ---------------------------------------------------------------- concurrency controls

  /** Tasks running on the session now. */
  getSessionLoad(name: string): number {
    this.#session(name);
    return this.pool.getWorker(name)?.inFlight ?? 0;
  }

  /** Tasks running now, by operation kind (always all four kinds). */
  getOperationMetrics(): Record<OperationKind, number> {
    const running = withOperationKinds(this.pool.snapshot().metrics.inFlightByKind);
    return Object.fromEntries(OPERATION_KINDS.map((k) => [k, running[k]])) as Record<OperationKind, number>;
  }

  getOperationCount(kind: OperationKind): number {
    if (!(OPERATION_KINDS as readonly string[]).includes(kind)) {
      throw new ValidationError([{ field: 'kind', reason: `must be one of ${OPERATION_KINDS.join(', ')}` }]);
    }
    return this.getOperationMetrics()[kind];
  }

  getActiveScrapeCount(): number {
    return this.getOperationMetrics().scraping;
  }

  /** Tasks running on one session, or on all of them. */
  getGlobalTaskCount(name?: string): number {
    if (name !== undefined) return this.getSessionLoad(name);
    return this.pool.snapshot().inFlight;
  }

  /**
   * Cancel every task running on the session. Resolves with how many were cancelled once
   * they have let go of the session, or after 5 s at the latest.
   */
  async cleanupSessionTasks(name: string): Promise<number> {
    this.#session(name);
    this.#monitor.sessionDown(name);
    const cancelled = this.pool.cancelWorkerTasks(name);
    const deadline = this.#clock.now() + 5000;
    while ((this.pool.getWorker(name)?.inFlight ?? 0) > 0 && this.#clock.now() < deadline) {
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, 10));
    }
    return cancelled;
  }

  /**
   * Balance the next tasks with another strategy: a built-in one by name (`'p2c-peak-ewma'`)
   * or any `Strategy`.
   *
   * @throws ValidationError (field `strategy`) for an unknown name, suggesting the nearest.
   */
  setLoadBalancingStrategy(strategy: StrategyName | Strategy): void {
    const resolved = resolveStrategy(strategy, { clock: this.#clock, random: this.#random });
    this.pool.setStrategy(resolved.strategy);
    this.#strategyName = resolved.name;
  }

  /** The fleet-wide cap on sends per second (`fleetSendsPerSecond`, default 30). */
  get fleetSendsPerSecond(): number {
    return this.#options.fleetSendsPerSecond ?? 30;
  }

  /** The strategy's name: a built-in one's kebab-case name, or a custom `Strategy`'s `name`. */
  getLoadBalancingStrategy(): string {
    return this.#strategyName;
  }

  /**
   * The pool's snapshot (its per-kind metrics always list the four operation kinds) plus each
   * session's connection, restrictions and quota. No secrets.
   */
  snapshot(): { pool: PoolSnapshot; sessions: SessionInfo[]; strategy: string } {
    const pool = this.pool.snapshot();
    const workers = new Map(pool.workers.map((w) => [w.id, w]));
    return {
      pool: snapshotWithOperationKinds(pool),
      // One pool snapshot for every session's connection.
      sessions: this.sessionNames().map((n) => this.#sessionInfo(n, connectionOf(workers.get(n)))),
      strategy: this.#strategyName,
    };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Send one text to every recipient, each at most once. `recipients` is an array, or a stream
   * of any length (`recipientsFromFile(path)`, any `AsyncIterable`, `Iterable` or `Observable`)
   * read only as fast as the fleet sends: see `BulkSendReport` for what a streamed send reports.
   */
  sendTextMessagesBulk(
    recipients: Recipients,
    message: string,
    options: BulkSendOptions = {},
  ): BulkOperation<MessageResult, BulkSendReport> {
    return this.#bulkSend(checkBulkSendOptions, options, async () => {
      const text = validateMessageText(message);
      return {
        recipients,
        content: { kind: 'text', message: text },
        campaign: {
          kind: SEND_TEXT,
          content: { message: text, skipInvalid: options.skipInvalid !== false },
        },
      };
    });
  }

  /** Send one file (photo, video, audio or document) to every recipient, as `sendTextMessagesBulk` does. */
  sendMediaMessagesBulk(
    recipients: Recipients,
    mediaPath: string,
    mediaType: MediaType,
    options: MediaSendOptions = {},
  ): BulkOperation<MessageResult, BulkSendReport> {
    return this.#bulkSend(checkMediaSendOptions, options, async () => {
      const caption = validateCaption(options.caption);
      const file = await checkMediaFile(mediaPath, mediaType, { premium: this.#options.premium === true });
      return {
        recipients,
        content: { kind: 'media', media: await SessionMedia.of(file), caption } satisfies Content,
        campaign: {
          kind: SEND_MEDIA,
          content: { mediaPath, mediaType, caption, skipInvalid: options.skipInvalid !== false },
        },
      };
    });
  }

  /**
   * @deprecated The old bulk-send entry point: `sendTextMessagesBulk` with the results
   * flattened to `{ [recipient]: sent? }`. Kept so existing callers keep working.
   */
  async bulkSendMessages(
    recipients: readonly (string | number)[],
    message: string,
    delayMs?: number,
  ): Promise<Record<string, boolean>> {
    this.#logger.warn('bulkSendMessages is deprecated; use sendTextMessagesBulk');
    const { results } = await this.sendTextMessagesBulk(
      recipients,
      message,
      delayMs === undefined ? {} : { delayMs },
    );
    return Object.fromEntries([...results].map(([r, res]) => [r, res.success]));
  }

  // ---------------------------------------------------------------- campaigns

  /**
   * Continue a campaign with what the journal holds alone (its text or media, its recipients),
   * for example after a restart. Returns what the bulk send returns; its results include the
   * items finished before, read from the journal. An item left mid-send is retried only on the
   * session that was sending it, with the same `randomId`; when that session is not in this
   * manager or is dead, it is reported `unknown` and never sent from another session. Rejects
   * with a `ValidationError` naming `campaign` when the journal has no such campaign, and with
   * core's `JournalLeaseError` while another process (or call) runs it. A media campaign reads
   * its file again from the path it was given. A campaign whose recipients came from a stream
   * resumes from the journal when the stream had been read to its end, or from its file when it
   * came from `recipientsFromFile`; its results are then streamed only, as for any stream.
   */
  resumeCampaign(id: string): BulkOperation<MessageResult, BulkSendReport> {
    return this.#bulkSend(
      () => ({}),
      {},
      async () => {
        if (this.#cluster !== undefined)
          throw new ValidationError([
            {
              field: 'campaign',
              reason:
                'a cluster resumes a campaign by itself (its items wait in Redis for a serving node); call the same sendTextMessagesBulk again to wait for its report',
            },
          ]);
        const journal = this.#journal?.journal;
        const campaign = checkCampaignId(id, journal);
        const spec = await journal!.spec(campaign);
        if (spec?.kind === SCRAPE_GROUPS || spec?.kind === JOIN_AND_SCRAPE_GROUPS) {
          throw new ValidationError([
            {
              field: 'campaign',
              reason: `${JSON.stringify(campaign)} is a scrape campaign: resume it with bulkScrapeGroups (or safeBulkScrapeWithRotation) given the same groups, options and campaign`,
            },
          ]);
        }
        if (spec === undefined || (spec.kind !== SEND_TEXT && spec.kind !== SEND_MEDIA)) {
          throw new ValidationError([
            { field: 'campaign', reason: `the journal has no send campaign ${JSON.stringify(campaign)}` },
          ]);
        }
        const stored = spec.content as Record<string, JsonValue>;
        const batch = await openCampaign(journal!, campaign, spec.kind, spec.content);
        try {
          const recipients: Recipients | undefined =
            stored.source === STREAM_SOURCE
              ? await storedSource(batch)
              : Array.isArray(stored.recipients)
                ? (stored.recipients as (string | number)[])
                : [];
          if (recipients === undefined)
            throw new ValidationError([
              {
                field: 'campaign',
                reason: `${JSON.stringify(campaign)} reads its recipients from a stream that had not been read to its end, and not from a file: resume it by calling the bulk send again with the same source (read again from its start), content and campaign`,
              },
            ]);
          const skipInvalid = stored.skipInvalid !== false;
          const content: Content =
            spec.kind === SEND_TEXT
              ? { kind: 'text', message: validateMessageText(stored.message) }
              : await (async () => {
                  const caption = validateCaption(stored.caption ?? '');
                  const file = await checkMediaFile(String(stored.mediaPath), stored.mediaType as MediaType, {
                    premium: this.#options.premium === true,
                  });
                  return { kind: 'media', media: await SessionMedia.of(file), caption } satisfies Content;
                })();
          return { recipients, content, options: { skipInvalid }, batch };
        } catch (error) {
          await batch.release();
          throw error;
        }
      },
    );
  }

  /**
   * A campaign's counts from the journal, or undefined when the journal has no campaign with
   * this id. Throws a `ValidationError` naming `campaign` when the manager has no `journal`.
   */
  async campaignStatus(id: string): Promise<CampaignStatus | undefined> {
    const journal = this.#journal?.journal ?? (await this.#cluster?.journal());
    const checked = checkCampaignId(id, journal);
    const status = await journal!.status(checked);
    return status === undefined ? undefined : campaignStatus(status);
  }

  /** Every campaign in the journal, oldest first. Needs the manager's `journal`. */
  async listCampaigns(): Promise<CampaignStatus[]> {
    const journal = this.#journal?.journal ?? (await this.#cluster?.journal());
    if (journal === undefined) checkCampaignId('list', journal);
    return (await journal!.list()).map(campaignStatus);
  }

  #bulkSend<O extends BulkSendOptions>(
    check: (options: unknown) => O,
    given: O,
    prepare: () => Promise<{
      recipients: Recipients;
      content: Content;
      /** What a campaign records: its kind and content (the recipients' digest is added). */
      campaign?: { kind: string; content: Record<string, JsonValue> };
      /** A campaign opened by `resumeCampaign`, with the options it was recorded with. */
      batch?: OpenBatch;
      options?: BulkSendOptions;
    }>,
  ): BulkOperation<MessageResult, BulkSendReport> {
    const controller = this.#operationController();
    const operation = new BulkOperation<MessageResult, BulkSendReport>(async (emit, signal, replay) => {
      let batch: OpenBatch | undefined;
      try {
        this.#assertOpen();
        check(given);
        const campaignId =
          given.campaign === undefined
            ? undefined
            : checkCampaignId(given.campaign, this.#journal?.journal ?? this.#cluster);
        const cluster = campaignId === undefined ? undefined : this.#cluster;
        if (cluster !== undefined && given.delayMs !== undefined)
          throw new ValidationError([
            {
              field: 'delayMs',
              reason:
                "is not taken by a cluster campaign: each node paces its sessions with its own manager's delayMs",
            },
          ]);
        this.#follow(controller, given.signal);
        const prepared = await prepare();
        if (cluster !== undefined && prepared.content.kind !== 'text')
          this.#refuseInCluster('media campaigns');
        if (cluster !== undefined && isStream(prepared.recipients))
          this.#refuseInCluster('campaigns whose recipients come from a stream (give an array)');
        batch = prepared.batch;
        const options: BulkSendOptions = { ...given, ...prepared.options };
        const { recipients, content } = prepared;
        const streamed = isStream(recipients);
        // A stream is read at most this far ahead of the sends (core's default when not given).
        let highWaterMark = 0;
        if (streamed) {
          // A stream may be of any length: its results are streamed, not kept.
          replay(false);
          highWaterMark = checkProcessArgs(recipients, options, 'recipients');
          if (options.skipInvalid === false)
            throw new ValidationError([
              {
                field: 'skipInvalid',
                reason:
                  'false needs the recipients as an array: a stream cannot be checked to its end before the first send',
              },
            ]);
        } else if (!Array.isArray(recipients)) {
          throw new ValidationError([
            {
              field: 'recipients',
              reason: 'must be an array, an AsyncIterable, an Iterable or an Observable',
            },
          ]);
        }
        const list = streamed ? undefined : (recipients as readonly (string | number)[]);
        const partition = list === undefined ? undefined : partitionRecipients(list);
        if (partition !== undefined && partition.invalid.length > 0 && options.skipInvalid === false) {
          throw new ValidationError(
            partition.invalid.map((r) => ({
              field: `recipients[${JSON.stringify(r.input)}]`,
              reason: r.reason,
            })),
          );
        }
        this.#assertLive();
        let shared: OpenBatch | undefined;
        if (campaignId !== undefined && batch === undefined && prepared.campaign !== undefined) {
          const spec = {
            kind: prepared.campaign.kind,
            content: {
              ...prepared.campaign.content,
              // The list itself, so that resumeCampaign has it even when a crash came before its
              // items were recorded. A stream is read again by calling with it again.
              ...(list === undefined ? { source: STREAM_SOURCE } : { recipients: list.map(payloadOf) }),
            },
          };
          // A cluster's campaign stays open (shared) on this node until it shuts down: it serves it too.
          if (cluster !== undefined) shared = (await cluster.open(campaignId, spec)).batch;
          else batch = await openCampaign(this.#journal!.journal, campaignId, spec.kind, spec.content);
          const origin = fileOriginOf(recipients);
          if (origin !== undefined && batch !== undefined) await recordSourceFile(batch, origin);
        }
        const b = batch ?? shared;
        const sendOptions = {
          delayMs: options.delayMs ?? this.#options.delayMs ?? 2000,
          signal,
          attemptTimeoutMs: this.#sendTimeout(content),
          peers: this.#peers,
          // One message per person, across a resume too: a campaign keeps its claims in the journal.
          claims: b === undefined ? new MemoryPeerClaims() : new JournalPeerClaims(b),
        };
        const counter = new SummaryCounter();
        const results = new Map<string, MessageResult>();
        const record = (r: MessageResult) => {
          counter.add(r);
          if (list !== undefined) results.set(r.recipient, r);
          emit(r);
        };
        /** Settle an item without sending: from the journal when it is final there, else recorded now. */
        const settleSkipped = async (result: MessageResult, item: JournalItem | undefined) => {
          const before = item === undefined ? undefined : resultFromJournal(item, result.duplicateOf);
          if (before !== undefined) return record(before);
          if (b !== undefined && keyable(result.recipient))
            await recordResult(b, result.recipient, result, undefined, undefined, false);
          record(result);
        };
        const send = async (r: Recipient, item: JournalItem | undefined) => {
          const before = item === undefined ? undefined : resultFromJournal(item);
          if (before !== undefined) return record(before);
          const result = await this.#sendItem(r, item, b, content, sendOptions);
          record(result);
        };
        if (partition !== undefined) {
          const journal = b === undefined ? undefined : await recordRecipients(b, list!);
          for (const r of partition.invalid) {
            // Reported in the item's result; at info, a list with many bad lines does not flood the log.
            this.#logger.info({ reason: r.reason }, 'invalid recipient skipped');
            await settleSkipped(skipped(r.input, r.reason, this.#clock.now()), journal?.get(r.input));
          }
          for (const d of partition.duplicates) {
            const first = partition.duplicateOf.get(d) ?? d;
            // An exact repeat is the same journal item as its first listing, which is sent.
            if (journal !== undefined && first === d) continue;
            await settleSkipped(
              { ...skipped(d, DUPLICATE_RECIPIENT, this.#clock.now()), duplicateOf: first },
              journal?.get(d),
            );
          }
          if (cluster !== undefined) {
            // Every serving node sends them, this one included; results come back from any of them.
            await cluster.serve();
            await cluster.enqueue(
              campaignId!,
              [...new Set(partition.valid.map((r) => r.input))],
              record,
              signal,
            );
          } else await Promise.all(partition.valid.map((r) => send(r, journal?.get(r.input))));
        } else {
          await pumpAll(
            (stop) => {
              const rows = readSource(recipients as ProcessSource<unknown>, stop);
              return b === undefined ? distinctRows(rows) : recordAsRead(b, rows, stop);
            },
            signal,
            highWaterMark,
            async ({ raw, item }) => {
              const check = checkRecipient(raw);
              if (check.ok) return send(check.recipient, item);
              this.#logger.info({ reason: check.reason }, 'invalid recipient skipped');
              return settleSkipped(skipped(check.input, check.reason, this.#clock.now()), item);
            },
          );
        }
        const summary = counter.summary();
        this.#logger.info({ ...summary, bySession: undefined, byError: undefined }, 'bulk send finished');
        return { results, summary };
      } finally {
        this.#endOperation(controller);
        await batch?.release();
      }
    }, controller);
    this.#trackCampaign(operation);
    return operation;
  }

  /** Send one valid recipient; in a campaign, resume its recorded attempt and record the outcome. */
  async #sendItem(
    r: Recipient,
    item: JournalItem | undefined,
    batch: OpenBatch | undefined,
    content: Content,
    options: Omit<SendOptions, 'route' | 'durable'>,
  ): Promise<MessageResult> {
    const send = this.#itemSend(r, item, batch, content, options);
    return send.settle(
      await this.pool.submit(send.task).then(
        (value): SendOutcome => ({ value }),
        (error: unknown): SendOutcome => ({ error }),
      ),
    );
  }

  /**
   * One item's send as a pool task, and how its outcome is recorded. In a cluster each attempt is
   * recorded only if the item is still as this node last saw it, so two nodes never both start it.
   */
  #itemSend(
    r: Recipient,
    item: JournalItem | undefined,
    batch: OpenBatch | undefined,
    content: Content,
    options: Omit<SendOptions, 'route' | 'durable'>,
  ): ItemSend {
    const cas = this.#cluster !== undefined;
    let seen: ItemState = item?.state ?? { state: 'pending' };
    const resumed = item === undefined ? undefined : attemptOf(item);
    let attempt: { session: string; data: SendAttempt } | undefined =
      resumed === undefined
        ? undefined
        : { session: resumed.session, data: { randomId: resumed.randomId.toString(), peer: resumed.peer } };
    const durable: DurableSend | undefined =
      batch === undefined
        ? undefined
        : {
            ...(resumed === undefined ? {} : { resumed }),
            record: async (session, randomId, peer) => {
              const data = { randomId: randomId.toString(), peer: peer ?? null };
              const next: ItemState = { state: 'attempting', worker: session, attempt: { ...data } };
              await batch.transition(r.input, next, cas ? { expect: seen } : undefined);
              seen = next;
              attempt = { session, data };
            },
            forget: async () => {
              const next: ItemState = { state: 'pending' };
              await batch.transition(r.input, next, cas ? { expect: seen } : undefined);
              seen = next;
              attempt = undefined;
            },
          };
    const send = sendTask(this.#taskContext, r, content, {
      ...options,
      ...this.#routeOf(r),
      ...(durable === undefined ? {} : { durable }),
    });
    return {
      task: send.task,
      settle: async (outcome) => {
        const result = send.settle(outcome);
        if (batch !== undefined)
          await recordResult(
            batch,
            r.input,
            result,
            attempt?.data.peer ?? undefined,
            attempt,
            // A cluster item's signal only withdraws it (its job goes back, nothing recorded): a
            // failure that ended it all the same is the item's.
            !cas && options.signal.aborted,
          );
        return result;
      },
      pending: () => seen.state === 'pending',
      drop: () => send.drop(),
    };
  }

  /**
   * In a cluster, work on its campaigns: take their items from Redis whenever this node's
   * sessions have room, without starting a campaign. Resolves once this node serves (calling it
   * again changes nothing); `shutdown()` stops it. Without `cluster`, a ValidationError.
   */
  async serve(): Promise<void> {
    this.#assertOpen();
    if (this.#cluster === undefined)
      throw new ValidationError([
        {
          field: 'cluster',
          reason: 'serve() works on the campaigns of a cluster: give the manager `cluster`',
        },
      ]);
    await this.#cluster.serve();
  }

  #refuseInCluster(what: string): void {
    if (this.#cluster !== undefined)
      throw new ValidationError([
        {
          field: 'campaign',
          reason: `${what} are not spread over a cluster yet: only text sends to an array of recipients are`,
        },
      ]);
  }

  /** Keep a running operation until it settles, so shutdown waits for its last journal writes. */
  #trackCampaign(operation: PromiseLike<unknown>): void {
    const run = Promise.resolve(operation).then(
      () => undefined,
      () => undefined,
    );
    this.#campaignRuns.add(run);
    void run.finally(() => this.#campaignRuns.delete(run));
  }

  /**
   * Where a user-id item may go: only to the live sessions that can address the user, when
   * some can. Access hashes are per account, so a user seen by one session (in a scrape, say)
   * is `PEER_ID_INVALID` to the others. No route (any session) when no live session knows it.
   */
  #routeOf(recipient: Recipient): Pick<SendOptions, 'route'> {
    if (recipient.kind !== 'user-id') return {};
    const able = new Set<string>();
    for (const [name, session] of this.#sessions) {
      if (!this.#supervisor.allDead([name]) && knowsUser(session.client, recipient.normalized))
        able.add(name);
    }
    if (able.size === 0) return {};
    const alive = (name: string) => this.#sessions.has(name) && !this.#supervisor.allDead([name]);
    return {
      route: {
        excluded: [...this.#sessions.keys()].filter((n) => !able.has(n)),
        able: () => [...able].some(alive),
        routes: this.#routes,
      },
    };
  }

  #sendTimeout(content: Content): number {
    return content.kind === 'media'
      ? (this.#options.uploadTimeoutMs ?? 600_000)
      : (this.#options.requestTimeoutMs ?? 60_000);
  }

  /**
   * The pool's `classify`, the one place a failed attempt is classified: the verdict's session
   * effect (a restriction, an exhausted quota, a dead or dropped session) is applied here,
   * before the pool acts on the returned Failure, so a requeued item already sees the session
   * without the capability, and never from inside a task's `run`.
   */
  #classify(error: unknown, task: TaskView & { readonly worker: string }): Failure {
    const { failure, effect } = judgeFailure(error, task.kind);
    if (effect !== undefined) this.#apply(task.worker, effect);
    if (failure.kind === 'unknown-outcome') this.#pin(task.id, task.worker);
    else if (failure.kind === 'permanent' || failure.kind === 'worker-fatal') this.#pins.delete(task.id);
    let routed = failure;
    if (failure.kind === 'rate-limited' && failure.scope === 'worker') {
      // The flood wait is the session's: back it off, and move the item, which waits only as
      // long as it must for some session.
      this.pool.backoffWorker(task.worker, failure.retryAfterMs, 'FLOOD_WAIT');
      routed = floodWaitRoute(
        { requires: task.requires, antiAffinity: task.antiAffinity, pinnedTo: this.#pins.get(task.id) },
        this.#fleet(),
        failure.retryAfterMs,
      );
    }
    // In a cluster, items this node cannot send soon go back to the queue, for other nodes.
    return this.#cluster === undefined
      ? routed
      : this.#cluster.classified(task.id, routed, () => this.#fleet());
  }

  /** The sessions as the flood-wait routing sees them: states, backoffs and capability holds. */
  #fleet(): FleetView {
    return {
      now: this.#clock.now(),
      workers: this.pool.snapshot().workers,
      heldUntil: (worker, capability) => this.#holds.heldUntil(worker, capability),
    };
  }

  #pin(task: number, session: string): void {
    this.#pins.delete(task);
    this.#pins.set(task, session);
    if (this.#pins.size > MAX_PINS) this.#pins.delete(this.#pins.keys().next().value!);
  }

  #apply(session: string, effect: SessionEffect): void {
    switch (effect.type) {
      case 'restrict': {
        const ms = this.#restrictionMs;
        this.#logger.warn(
          { worker: session, code: effect.code, capability: effect.capability, ms },
          'session restricted',
        );
        this.#holds.hold(session, effect.capability, ms);
        return;
      }
      case 'freeze': {
        const ms = this.#restrictionMs;
        this.#logger.warn({ worker: session, code: effect.code, ms }, 'session frozen by Telegram');
        for (const capability of BASE_CAPABILITIES) this.#holds.hold(session, capability, ms);
        return;
      }
      case 'quota-exhausted':
        this.#quota.exhausted(session);
        return;
      case 'dead':
        this.#supervisor.markDead(session, effect.code);
        return;
      case 'disconnected':
        this.#supervisor.markDisconnected(session, effect.code);
        return;
    }
  }

  /** How long a restriction (`PEER_FLOOD`, a frozen account…) takes capabilities away. */
  get #restrictionMs(): number {
    return this.#options.restrictionMs ?? 12 * 3600_000;
  }

  #onSessionDown(name: string): void {
    this.#monitor.sessionDown(name);
    // Like the cancelling below, after the pool has finished with the failure at hand.
    queueMicrotask(() => {
      if (this.#supervisor.allDead([name])) this.#routes.sessionGone();
    });
    this.#outage.check();
    // After the pool has finished with the failure that may have brought the session down:
    // cancelling the waiting work is a pool call of its own.
    queueMicrotask(() => {
      if (this.#shutdown === undefined && this.#supervisor.allDead(this.#sessions.keys())) {
        // Nothing could ever run the queued work: fail it now rather than let it wait forever.
        for (const c of [...this.#operations]) c.abort(new NoLiveSessionError());
      }
    });
  }

  // ---------------------------------------------------------------- scraping

  /** Page through a group's members on one session (chosen by the strategy). */
  async scrapeGroupMembers(group: string, options: ScrapeGroupOptions = {}): Promise<GroupScrapeResult> {
    this.#assertOpen();
    checkScrapeGroupOptions(options);
    const ref = parseGroupRef(group);
    const result = await scrapeGroupTask(
      this.#taskContext,
      ref,
      { ...options, join: ref.kind === 'invite' },
      options.signal,
    );
    if (!result.success) throw new TelegramOperationError(group, result.error ?? 'failed');
    if (options.output) await writeMembers(options.output.path, result.members, options.output.format);
    return result;
  }

  /** Join (public name, `t.me/name`, `t.me/+HASH`, `t.me/joinchat/HASH`), then scrape. */
  async joinAndScrapeGroup(group: string, options: ScrapeGroupOptions = {}): Promise<GroupScrapeResult> {
    this.#assertOpen();
    checkScrapeGroupOptions(options);
    const ref = parseGroupRef(group);
    const result = await scrapeGroupTask(this.#taskContext, ref, { ...options, join: true }, options.signal);
    if (!result.success) throw new TelegramOperationError(group, result.error ?? 'failed');
    if (options.output && result.joinStatus !== 'pending') {
      await writeMembers(options.output.path, result.members, options.output.format);
    }
    return result;
  }

  /**
   * Scrape many groups, at most `limits.scraping` (5) at once; each result streams as it settles.
   * `groups` is an array or a stream (an `AsyncIterable`, `Iterable` or `Observable`), which is
   * read to its end before the first scrape.
   */
  bulkScrapeGroups(
    groups: Groups,
    options: BulkScrapeOptions = {},
  ): BulkOperation<GroupScrapeResult, BulkScrapeReport> {
    return this.#bulkScrape(groups, options);
  }

  /**
   * Join and scrape many groups, rotating sessions: a session out of its daily quota or
   * restricted from joining hands the group to another; no group is dropped for that.
   */
  safeBulkScrapeWithRotation(
    groups: Groups,
    options: BulkScrapeOptions = {},
  ): BulkOperation<GroupScrapeResult, BulkScrapeReport> {
    return this.#bulkScrape(groups, options, { join: true, delayMs: this.#options.delayMs ?? 2000 });
  }

  #bulkScrape(
    source: Groups,
    given: BulkScrapeOptions,
    defaults: BulkScrapeOptions = {},
  ): BulkOperation<GroupScrapeResult, BulkScrapeReport> {
    const controller = this.#operationController();
    const operation = new BulkOperation<GroupScrapeResult, BulkScrapeReport>(async (emit, signal) => {
      let batch: OpenBatch | undefined;
      try {
        this.#assertOpen();
        const options = { ...defaults, ...checkBulkScrapeOptions(given) };
        this.#follow(controller, options.signal);
        // Groups are few: a stream of them is read to its end first, so a campaign records them all.
        const groups = isStream<string>(source)
          ? await collect(source, signal)
          : (source as readonly string[]);
        if (!Array.isArray(groups) || groups.length === 0) {
          throw new ValidationError([{ field: 'groups', reason: 'at least one group is required' }]);
        }
        const refs = groups.map((g, i) => parseGroupRef(g, `groups.${i}`));
        if (given.campaign !== undefined) this.#refuseInCluster('scrape campaigns');
        const campaignId =
          given.campaign === undefined ? undefined : checkCampaignId(given.campaign, this.#journal?.journal);
        this.#assertLive();
        if (campaignId !== undefined) {
          batch = await openCampaign(
            this.#journal!.journal,
            campaignId,
            options.join === true ? JOIN_AND_SCRAPE_GROUPS : SCRAPE_GROUPS,
            {
              groups: groups.map(payloadOf),
              maxMembers: options.maxMembers ?? null,
              deepSearch: options.deepSearch === true,
              join: options.join === true,
              outputDir: options.outputDir ?? null,
              format: options.format ?? 'csv',
            },
          );
        }
        const b = batch;
        const journal = b === undefined ? undefined : await recordRecipients(b, groups);
        const results = new Map<string, GroupScrapeResult>();
        const started = new Set<string>();
        await Promise.all(
          refs.map(async (ref, i) => {
            const key = keyOf(groups[i]);
            // A group listed twice is one journal item, scraped once.
            if (journal !== undefined && started.has(key)) return;
            started.add(key);
            const item = journal?.get(key);
            const before = item === undefined ? undefined : scrapeResultFromJournal(item);
            if (before !== undefined) {
              results.set(ref.input, before);
              emit(before);
              return;
            }
            const resumed =
              b === undefined ? undefined : restoreScrapeState(await b.cursor(scrapeCursor(key)));
            const r = await scrapeGroupTask(
              this.#taskContext,
              ref,
              { ...options, join: options.join === true || ref.kind === 'invite' },
              signal,
              b === undefined
                ? undefined
                : {
                    ...(resumed === undefined ? {} : { resumed }),
                    checkpoint: (state) => b.setCursor(scrapeCursor(key), saveScrapeState(state)),
                  },
            );
            if (options.outputDir && r.success && r.joinStatus !== 'pending') {
              const format = options.format ?? 'csv';
              await writeMembers(
                join(options.outputDir, `${fileSafe(ref.input)}.${format}`),
                r.members,
                format,
              );
            }
            if (b !== undefined) await recordScrape(b, key, r, signal.aborted);
            results.set(ref.input, r);
            emit(r);
          }),
        );
        const values = [...results.values()];
        const bySession: Record<string, number> = {};
        for (const r of values)
          if (r.sessionUsed && r.success) bySession[r.sessionUsed] = (bySession[r.sessionUsed] ?? 0) + 1;
        return {
          results,
          summary: {
            total: values.length,
            succeeded: values.filter((r) => r.success && r.joinStatus !== 'pending').length,
            failed: values.filter((r) => !r.success).length,
            pending: values.filter((r) => r.joinStatus === 'pending').length,
            incomplete: values.filter((r) => r.success && !r.complete && r.joinStatus !== 'pending').length,
            members: values.reduce((n, r) => n + r.members.length, 0),
            bySession,
          },
        };
      } finally {
        this.#endOperation(controller);
        await batch?.release();
      }
    }, controller);
    this.#trackCampaign(operation);
    return operation;
  }

  // ---------------------------------------------------------------- monitoring

  /** New messages in these chats; each chat is watched by exactly one session, with failover and back-fill. */
  startMonitoring(chats: readonly string[]): Observable<MonitoredMessage> {
    this.#assertOpen();
    return this.#monitor.start(chats);
  }

  /** Stop watching these chats (default: all); resolves when their sessions have let go. */
  stopMonitoring(chats?: readonly string[]): Promise<void> {
    return this.#monitor.stop(chats);
  }

  /** Which session watches each monitored chat. */
  getMonitoringAssignments(): Map<string, string | undefined> {
    return this.#monitor.assignments();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stop everything: monitoring, queued and running work, reconnect timers and (if we connected them) the clients. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      for (const c of [...this.#operations]) c.abort(new ManagerShutDownError());
      // Items running here go back to Redis (bound to their session when they may have left).
      await this.#cluster?.close();
      const monitoring = this.#monitor.stop();
      // Reconnect and hold timers call the pool: stop them before it closes, so none fires on a
      // closed pool.
      this.#supervisor.stop();
      this.#outage.stop();
      this.#holds.stop();
      await this.pool.close({ drain: false });
      await monitoring;
      // Campaigns record their last states and give their leases up before the journal closes.
      await Promise.all([...this.#campaignRuns]);
      if (this.#journal?.owned) await this.#journal.journal.close();
      if (this.#options.connect !== false) {
        await Promise.all(
          [...this.#sessions.values()].map((s) => s.client.disconnect().catch(() => undefined)),
        );
      }
      // Claims go last: no other node may connect a session before this one has let it go.
      await Promise.all([...this.#claimWork]);
      await this.#claims?.close();
    })();
    return this.#shutdown;
  }

  #operationController(): AbortController {
    const controller = new AbortController();
    // Every item of a bulk operation listens to its signal; thousands of items are normal.
    setMaxListeners(0, controller.signal);
    this.#operations.add(controller);
    this.#outage.follow(controller);
    return controller;
  }

  #endOperation(controller: AbortController): void {
    this.#operations.delete(controller);
    this.#outage.forget(controller);
  }

  /** Cancel the operation when the caller's (already validated) signal aborts. */
  #follow(controller: AbortController, outer: AbortSignal | undefined): void {
    if (outer === undefined) return;
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  }

  #session(name: string): TelegramSession {
    const s = this.#sessions.get(name);
    if (s === undefined)
      throw new ValidationError([{ field: 'name', reason: `no session named ${JSON.stringify(name)}` }]);
    return s;
  }

  #assertOpen(): void {
    if (this.#shutdown !== undefined) throw new ManagerShutDownError();
  }

  #assertLive(): void {
    if (this.#sessions.size === 0 || this.#supervisor.allDead(this.#sessions.keys())) {
      throw new NoLiveSessionError();
    }
  }
}

/** A single-group operation failed; `reason` is the Telegram error code or our reason. */
export class TelegramOperationError extends SwitchyardError {
  readonly target: string;
  readonly reason: string;
  constructor(target: string, reason: string) {
    super('E_TELEGRAM_OPERATION', `${target}: ${reason}`);
    this.target = target;
    this.reason = reason;
  }
}

function waitBudgetMs(given: unknown): number {
  return typeof given === 'number' ? given : DEFAULT_WAIT_BUDGET_MS;
}

function skipped(recipient: string, reason: string, at: number): MessageResult {
  return {
    recipient,
    success: false,
    outcome: 'skipped',
    sessionUsed: null,
    error: reason,
    attempts: 0,
    timestamp: at,
  };
}

/** A cluster job's recipient, as its item recorded it (only valid recipients are enqueued). */
function recipientOf(payload: JsonValue): Recipient {
  const check = checkRecipient(payload);
  if (!check.ok) throw new ValidationError([{ field: 'recipients', reason: check.reason }]);
  return check.recipient;
}

function fileSafe(name: string): string {
  return name.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9_.-]+/g, '_');
}
