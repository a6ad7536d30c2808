import type { Api } from 'telegram';
import { QuotaExhaustedError } from './adapterErrors.js';
import { errorCode } from './errorCode.js';
import { type GroupRef, groupEntity } from './groupRef.js';
import { type JoinStatus, joinGroup } from './joinGroup.js';
import { DEFAULT_SEARCH_QUERIES, type Member, scrapeMembers } from './scrapeMembers.js';
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
  readonly sessionUsed: string | null;
  readonly error?: string;
  readonly attempts: number;
  readonly timestamp: number;
}

/**
 * One group as one `scraping` task: take a unit of the session's daily quota, join when
 * asked (or when the group is an invite link), then page through its members. A session out
 * of quota or restricted from joining hands the group to another session.
 */
export async function scrapeGroupTask(
  ctx: TaskContext,
  ref: GroupRef,
  options: { maxMembers?: number; deepSearch?: boolean; join?: boolean; delayMs?: number },
  signal: AbortSignal | undefined,
): Promise<GroupScrapeResult> {
  // Checked at the entry point (operationOptions.ts).
  const maxMembers = options.maxMembers ?? 10_000;
  let attempts = 0;
  let sessionUsed: string | null = null;
  try {
    const { members, joinStatus } = await ctx.pool.submit({
      kind: 'scraping',
      requires: options.join ? [SCRAPE, JOIN] : [SCRAPE],
      key: `group:${ref.input}`,
      // A scrape is many requests: allow 30 request budgets for one run.
      attemptTimeoutMs: 30 * ctx.requestTimeoutMs,
      ...(signal ? { signal } : {}),
      ...(options.delayMs ? { pace: { key: 'scrape', intervalMs: options.delayMs } } : {}),
      run: async ({ worker, resource, signal: runSignal }) => {
        attempts++;
        sessionUsed = worker;
        // Out of quota: the pool's classify takes `scrape` from the session and requeues the group.
        if (!ctx.scrapeQuota.take(worker)) throw new QuotaExhaustedError(worker);
        let status: JoinStatus | undefined;
        let peer: Api.TypeInputPeer | undefined;
        if (options.join || ref.kind === 'invite') {
          const joined = await joinGroup(resource.client, ref);
          status = joined.status;
          peer = joined.peer;
          if (status === 'pending') return { members: [] as Member[], joinStatus: status };
        }
        if (peer === undefined && ref.kind !== 'invite')
          peer = await resource.client.getInputEntity(groupEntity(ref));
        if (peer === undefined) return { members: [] as Member[], joinStatus: status };
        const members = await scrapeMembers(resource.client, peer, {
          maxMembers,
          signal: runSignal,
          ...(options.deepSearch ? { searchQueries: DEFAULT_SEARCH_QUERIES } : {}),
        });
        return { members, joinStatus: status };
      },
    });
    return {
      group: ref.input,
      success: true,
      ...(joinStatus !== undefined ? { joinStatus } : {}),
      members,
      sessionUsed,
      attempts,
      timestamp: ctx.clock.now(),
    };
  } catch (error) {
    return {
      group: ref.input,
      success: false,
      members: [],
      sessionUsed,
      error: errorCode(error),
      attempts,
      timestamp: ctx.clock.now(),
    };
  }
}
