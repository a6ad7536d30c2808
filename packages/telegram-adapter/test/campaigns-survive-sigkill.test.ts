import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@switchyard/core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkNoDuplicates, killRunningChildren, startChild } from './crash/childRuns.js';
import { CAMPAIGN } from './crash/crashCampaign.js';

// Kills of a running campaign process: 25 in the normal run, more with SWITCHYARD_CRASH_KILLS
// (`pnpm test:crash` sets 200).
const KILLS = Number(process.env.SWITCHYARD_CRASH_KILLS ?? '25');
/** Campaigns run side by side, each in its own folder (journal, Telegram file). */
const LANES = 2;

const dirs: string[] = [];
afterAll(() => {
  killRunningChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Run {
  readonly killed: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the child on a campaign whose recipients are a list or a stream; when `killAfterMs` is
 * given, SIGKILL it that long after it has started sending.
 */
async function runChild(
  dir: string,
  source: 'list' | 'stream',
  mode: 'start' | 'resume',
  seed: number,
  killAfterMs?: number,
): Promise<Run> {
  const child = startChild('campaignChild', [
    join(dir, 'campaigns.sqlite'),
    join(dir, 'telegram.jsonl'),
    mode,
    String(seed),
    source,
  ]);
  let killed = false;
  if (killAfterMs !== undefined)
    child.printed('sending').then(
      () => setTimeout(() => (killed = child.kill()), killAfterMs),
      () => {},
    );
  const exit = await child.exited;
  return { killed: killed && exit.signal === 'SIGKILL', ...exit };
}

describe('a campaign process killed with SIGKILL at random points', () => {
  it(
    `is resumed after every kill (${KILLS} kills, of list and stream campaigns) with no recipient sent twice and none lost`,
    async () => {
      const random = seededRandom(20_260_101);
      let kills = 0;
      let campaigns = 0;
      let seed = 1;
      // Half the lanes send to a list (resumed by resumeCampaign), half read a stream (resumed
      // by the same call with the source read again).
      const lane = async (quota: number, source: 'list' | 'stream') => {
        let laneKills = 0;
        while (laneKills < quota) {
          const dir = mkdtempSync(join(tmpdir(), 'campaign-crash-'));
          dirs.push(dir);
          let mode: 'start' | 'resume' = 'start';
          for (;;) {
            const want = laneKills < quota;
            // A whole campaign takes a few seconds after it starts sending.
            const run = await runChild(
              dir,
              source,
              mode,
              seed++,
              want ? Math.floor(random() * 400) : undefined,
            );
            // After every run, killed or not: nobody got two messages.
            const delivered = checkNoDuplicates([join(dir, 'telegram.jsonl')], CAMPAIGN.text);
            if (run.killed) {
              laneKills++;
              kills++;
              mode = 'resume';
              continue;
            }
            expect(run.stderr).toBe('');
            expect(run.code).toBe(0);
            const summary = JSON.parse(run.stdout.split('\n').filter(Boolean).at(-1)!) as {
              total: number;
              sent: number;
              unknown: number;
            };
            // Every session is there on each resume, so an item left mid-send is retried on its
            // own session with its own randomId: none can become unknown, and none is lost.
            expect(summary).toMatchObject({
              total: CAMPAIGN.recipients,
              sent: CAMPAIGN.recipients,
              unknown: 0,
            });
            expect(delivered.size).toBe(CAMPAIGN.recipients);
            campaigns++;
            break;
          }
        }
      };
      await Promise.all(
        Array.from({ length: LANES }, (_, i) =>
          lane(Math.floor(KILLS / LANES) + (i < KILLS % LANES ? 1 : 0), i % 2 === 0 ? 'list' : 'stream'),
        ),
      );
      expect(kills).toBeGreaterThanOrEqual(KILLS);
      expect(campaigns).toBeGreaterThanOrEqual(LANES);
    },
    KILLS * 15_000,
  );
});
