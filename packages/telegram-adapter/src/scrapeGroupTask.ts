import { TaskFailedError } from '@switchyard/core';
import { Api, utils } from 'telegram';
import { NotAGroupMemberError, QuotaExhaustedError } from './adapterErrors.js';
import type { TelegramClientLike } from './clientLike.js';
import { errorCode } from './errorCode.js';
import { type GroupRef, resolveGroupPeer } from './groupRef.js';
import { type JoinStatus, joinGroup } from './joinGroup.js';
import {
  DEFAULT_SEARCH_QUERIES,
  type IncompleteReason,
  type Member,
  newScrapeProgress,
  type ScrapeOutcome,
  type ScrapeProgress,
  scrapeMembers,
} from './scrapeMembers.js';
import { whileSessionLives } from './sessionLifeline.js';
import type { TaskContext } from './taskContext.js';
import { JOIN } from './telegramErrorClass.js';

/** Capability a session needs to scrape; a session out of daily quota loses it until the day ends. */
export const SCRAPE = 'scrape';

export interface GroupScrapeResult {
  readonly group: string;
  readonly success: boolean;
  /** `pending` when the join waits for an admin's approval: no members then. */
  readonly joinStatus?: JoinStatus;
  readonly members: readonly Member[];
  /**
   * True only when `members` is every member of the group. False when the scrape could not
   * see them all, or stopped early; `incompleteReason` says why. False on failure.
   */
  readonly complete: boolean;
  /** Why the list is not the whole group, when `complete` is false on a successful scrape. */
  readonly incompleteReason?: IncompleteReason;
  /** How many members Telegram says the group has, when it said. */
  readonly memberCount?: number;
  readonly sessionUsed: string | null;
  readonly error?: string;
  readonly attempts: number;
  readonly timestamp: number;
}

/**
 * One group as one `scraping` task: take a unit of the session's daily quota, join when
 * asked (or when the group is an invite link), then page through its members. A session out
 * of quota or restricted from joining hands the group to another session.
 *
 * The task keeps its place across attempts: an attempt that fails part-way (a flood wait on
 * page N) is retried from page N, with the members already found, without spending another
 * unit of quota and without joining again, also when the retry runs on another session (which
 * must then be able to see the group itself). A session that finds it cannot see the group
 * (`NotAGroupMemberError`) hands it to the other live sessions, one after another.
 */
export async function scrapeGroupTask(
  ctx: TaskContext,
  ref: GroupRef,
  options: { maxMembers?: number; deepSearch?: boolean; join?: boolean; delayMs?: number },
  signal: AbortSignal | undefined,
  durable?: DurableScrape,
): Promise<GroupScrapeResult> {
  // Checked at the entry point (operationOptions.ts).
  const maxMembers = options.maxMembers ?? 10_000;
  let attempts = 0;
  let sessionUsed: string | null = null;
  const progress = durable?.resumed?.progress ?? newScrapeProgress();
  let quotaTaken = false;
  let joined: JoinRecord | undefined = durable?.resumed?.joined;
  const checkpoint =
    durable === undefined ? undefined : () => durable.checkpoint({ progress, ...(joined ? { joined } : {}) });
  // Sessions that found they cannot see the group: the next submission avoids them.
  const notMembers: string[] = [];
  const submit = () =>
    ctx.pool.submit({
      kind: 'scraping',
      requires: options.join ? [SCRAPE, JOIN] : [SCRAPE],
      key: `group:${ref.input}`,
      ...(notMembers.length > 0 ? { antiAffinity: [...notMembers] } : {}),
      // A scrape is many requests: allow 30 request budgets for one run.
      attemptTimeoutMs: 30 * ctx.requestTimeoutMs,
      ...(signal ? { signal } : {}),
      ...(options.delayMs ? { pace: { key: 'scrape', intervalMs: options.delayMs } } : {}),
      // A session declared dead mid-scrape ends the run at once; the next run resumes from `progress`.
      run: ({ worker, resource, signal: attempt }) =>
        whileSessionLives(attempt, ctx.lifeline(worker), async (runSignal) => {
          attempts++;
          sessionUsed = worker;
          // One unit of quota per group, however many attempts it takes. Out of quota: the pool's
          // classify takes `scrape` from the session and requeues the group.
          if (!quotaTaken) {
            if (!ctx.scrapeQuota.take(worker)) throw new QuotaExhaustedError(worker);
            quotaTaken = true;
          }
          const client = resource.client;
          let peer: Api.TypeInputPeer | undefined;
          if ((options.join || ref.kind === 'invite') && joined === undefined) {
            const result = await joinGroup(client, ref);
            joined = { session: worker, status: result.status };
            await checkpoint?.();
            if (result.status === 'pending') return { outcome: pendingOutcome(), joinStatus: result.status };
            peer = result.peer;
          }
          if (joined?.status === 'pending') return { outcome: pendingOutcome(), joinStatus: joined.status };
          peer ??= await groupPeerOf(client, ref);
          const outcome = await scrapeMembers(
            client,
            peer,
            {
              maxMembers,
              signal: runSignal,
              ...(options.deepSearch ? { searchQueries: DEFAULT_SEARCH_QUERIES } : {}),
              ...(checkpoint ? { checkpoint } : {}),
            },
            progress,
          );
          return { outcome, joinStatus: joined?.status };
        }),
    });
  try {
    let done: Awaited<ReturnType<typeof submit>> | undefined;
    while (done === undefined) {
      try {
        done = await submit();
      } catch (error) {
        // Not a member here: another live session may be. Fail only when none is left to try.
        const cause = error instanceof TaskFailedError ? error.cause : error;
        if (!(cause instanceof NotAGroupMemberError) || sessionUsed === null) throw error;
        notMembers.push(sessionUsed);
        if (!otherLiveSession(ctx, notMembers)) throw error;
      }
    }
    const { outcome, joinStatus } = done;
    return {
      group: ref.input,
      success: true,
      ...(joinStatus !== undefined ? { joinStatus } : {}),
      members: outcome.members,
      complete: outcome.complete,
      ...(outcome.incompleteReason !== undefined ? { incompleteReason: outcome.incompleteReason } : {}),
      ...(outcome.memberCount !== undefined ? { memberCount: outcome.memberCount } : {}),
      sessionUsed,
      attempts,
      timestamp: ctx.clock.now(),
    };
  } catch (error) {
    return {
      group: ref.input,
      success: false,
      members: [],
      complete: false,
      sessionUsed,
      error: errorCode(error),
      attempts,
      timestamp: ctx.clock.now(),
    };
  }
}

/** A join made for a scrape: by which session, and how it went. */
export interface JoinRecord {
  readonly session: string;
  readonly status: JoinStatus;
}

/** Where a campaign's scrape is: the members and page it reached, and its join. */
export interface ScrapeState {
  readonly progress: ScrapeProgress;
  readonly joined?: JoinRecord;
}

/** For a campaign's scrape: the state it resumes from, and where each step is kept. */
export interface DurableScrape {
  readonly resumed?: ScrapeState;
  checkpoint(state: ScrapeState): Promise<void>;
}

/** Whether some session not in `excluded` is neither dead nor being removed. */
function otherLiveSession(ctx: TaskContext, excluded: readonly string[]): boolean {
  return ctx.pool
    .snapshot()
    .workers.some((w) => !excluded.includes(w.id) && !w.removing && w.substate !== 'dead');
}

/** A join that waits for an admin's approval: no members yet. */
const pendingOutcome = (): ScrapeOutcome => ({
  members: [],
  complete: false,
  incompleteReason: 'join-pending',
});

/**
 * The group on this session without joining: by username or id, or for an invite link, the
 * chat `messages.CheckChatInvite` names when the session is already a member.
 */
async function groupPeerOf(client: TelegramClientLike, ref: GroupRef): Promise<Api.TypeInputPeer> {
  if (ref.kind !== 'invite') return resolveGroupPeer(client, ref);
  const invite = await client.invoke(new Api.messages.CheckChatInvite({ hash: ref.hash }));
  if (invite instanceof Api.ChatInviteAlready) return utils.getInputPeer(invite.chat);
  throw new NotAGroupMemberError(ref.input);
}
