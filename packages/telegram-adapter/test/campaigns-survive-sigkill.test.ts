import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@switchyard/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CAMPAIGN } from './crash/crashCampaign.js';
import { readPersistedDeliveries } from './scriptedTelegram.js';

// Kills of a running campaign process: 25 in the normal run, more with SWITCHYARD_CRASH_KILLS
// (`pnpm test:crash` sets 200).
const KILLS = Number(process.env.SWITCHYARD_CRASH_KILLS ?? '25');
/** Campaigns run side by side, each in its own folder (journal, Telegram file). */
const LANES = 2;
const CHILD = fileURLToPath(new URL('../.tsbuild-test/crash/test/crash/campaignChild.js', import.meta.url));

const dirs: string[] = [];
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
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
function runChild(
  dir: string,
  source: 'list' | 'stream',
  mode: 'start' | 'resume',
  seed: number,
  killAfterMs?: number,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CHILD, join(dir, 'campaigns.sqlite'), join(dir, 'telegram.jsonl'), mode, String(seed), source],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString();
      if (killAfterMs !== undefined && !before.includes('sending\n') && stdout.includes('sending\n')) {
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
        }, killAfterMs);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ killed: killed && signal === 'SIGKILL', code, stdout, stderr });
    });
  });
}

/** What the scripted Telegram delivered: no recipient twice, no randomId twice on an account. */
function checkNoDuplicates(dir: string): Set<string> {
  const deliveries = readPersistedDeliveries(join(dir, 'telegram.jsonl'));
  const peers = new Set<string>();
  const ids = new Set<string>();
  for (const d of deliveries) {
    expect(peers.has(d.peer), `${d.peer} got a second message`).toBe(false);
    expect(ids.has(`${d.session}/${d.randomId}`)).toBe(false);
    expect(d.text).toBe(CAMPAIGN.text);
    peers.add(d.peer);
    ids.add(`${d.session}/${d.randomId}`);
  }
  return peers;
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
            const delivered = checkNoDuplicates(dir);
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
