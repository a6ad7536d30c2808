import type { Random } from '@switchyard/core';

/** How one simulated Telegram account behaves. Every number is on the injected clock. */
export interface SessionProfile {
  readonly name: string;
  /** Median round trip of one request, in ms. */
  readonly medianLatencyMs: number;
  /** Spread of the log-normal latency (σ of ln latency). */
  readonly latencySigma: number;
  /**
   * Telegram's hidden per-account send limit: sends accepted in any 60 s window. A send
   * beyond it is answered with `FLOOD_WAIT_n`, n in [5, 60] s.
   */
  readonly sendsPerMinute: number;
  /** After this many accepted sends the account is flagged: every further send gets `PEER_FLOOD`. */
  readonly peerFloodAfter?: number;
  /** Clock time at which the account's authorisation is revoked (`AUTH_KEY_UNREGISTERED`). */
  readonly revokeAt?: number;
  /** Chance that a request fails with `RPC_CALL_FAIL` before anything is sent. */
  readonly transientRate: number;
  /** Chance that a send is delivered but its answer is lost (`TIMEOUT`): the exactly-once case. */
  readonly lostAnswerRate: number;
}

export interface ProfileOptions {
  readonly sessions: number;
  /** Clock time at which one session is revoked; none when undefined. */
  readonly revokeAt?: number;
  /** Sends after which one session hits PEER_FLOOD; none when undefined. */
  readonly peerFloodAfter?: number;
}

/**
 * A fleet of accounts with different latencies and limits. The last session is the one
 * revoked mid-run and the one before it hits PEER_FLOOD, so the roles are easy to find.
 */
export function makeProfiles(random: Random, options: ProfileOptions): SessionProfile[] {
  const profiles: SessionProfile[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const name = `session-${String(i + 1).padStart(2, '0')}`;
    const last = i === options.sessions - 1;
    const beforeLast = i === options.sessions - 2;
    profiles.push({
      name,
      // 80–560 ms medians: a data centre next door up to one across the world.
      medianLatencyMs: Math.round(80 + random() * 480),
      latencySigma: 0.35 + random() * 0.3,
      // Pacing is one send per 2 s (30/min); about half the fleet tolerates less and meets flood waits.
      sendsPerMinute: Math.round(18 + random() * 22),
      transientRate: 0.004,
      lostAnswerRate: 0.003,
      ...(last && options.revokeAt !== undefined && options.sessions > 1
        ? { revokeAt: options.revokeAt }
        : {}),
      ...(beforeLast && options.peerFloodAfter !== undefined
        ? { peerFloodAfter: options.peerFloodAfter }
        : {}),
    });
  }
  return profiles;
}
