import { seededRandom } from '@switchyard/core';
import { type Audience, makeAudience, makeProfiles, type SessionProfile } from '../simTelegram/index.js';

/** What decides a demo's audience and sessions. */
export interface FleetSettings {
  readonly seed: number;
  readonly recipients: number;
  readonly sessions: number;
  /** Pacing between two sends of one session, ms. */
  readonly delayMs: number;
}

/**
 * The demo's recipients and simulated sessions, the same for the same settings (in every
 * process that builds them). Faults are placed relative to the campaign's expected length, so
 * they land mid-run at any size.
 */
export function demoFleet(s: FleetSettings): { audience: Audience; profiles: SessionProfile[] } {
  const audience = makeAudience(seededRandom(s.seed * 7919 + 1), s.recipients);
  const perSession = s.recipients / s.sessions;
  const expectedMs = perSession * Math.max(s.delayMs, 2000);
  const profiles = makeProfiles(seededRandom(s.seed * 7919 + 2), {
    sessions: s.sessions,
    revokeAt: Math.round(expectedMs * 0.4),
    peerFloodAfter: Math.max(3, Math.floor(perSession * 0.25)),
  });
  return { audience, profiles };
}
