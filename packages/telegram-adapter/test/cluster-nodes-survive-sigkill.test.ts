import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisJournal } from '@switchyard/bullmq';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { seededRandom } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, checkNoDuplicates, killRunningChildren, startChild, within } from './crash/childRuns.js';
import type { ClusterReport } from './crash/clusterNodeChild.js';
import { CAMPAIGN } from './crash/crashCampaign.js';

/** Recipients of the campaign. */
const RECIPIENTS = 150;
// Kills of node-b: 2 in `pnpm test`, more with SWITCHYARD_CLUSTER_CRASH_KILLS
// (`pnpm test:cluster-crash` sets 6).
const KILLS = Number(process.env.SWITCHYARD_CLUSTER_CRASH_KILLS ?? '2');
if (!Number.isInteger(KILLS) || KILLS < 1)
  throw new Error(
    `SWITCHYARD_CLUSTER_CRASH_KILLS must be a whole number ≥ 1, not ${process.env.SWITCHYARD_CLUSTER_CRASH_KILLS}`,
  );

// How long each wait may take before the test fails naming it: several times what it takes on
// a starved machine. A node process loads GramJS, BullMQ and ioredis before it serves: 1.5 s on
// an idle 2-core machine, 6 to 12 s with five busy loops besides. After node-b's last restart
// the campaign ends within seconds: its cut-off items wait in Redis for it, looked at every
// second while it holds their sessions (a draw among the nodes each time).
const START_MS = 90_000;
const KILLED_MS = 15_000;
const CAMPAIGN_MS = 180_000;
const STOP_MS = 30_000;
/** The test's own limit: above the sum of its waits, so that the wait that overruns is the one named. */
const LIMIT_MS = 2 * START_MS + KILLS * (1_500 + KILLED_MS + START_MS) + CAMPAIGN_MS + 2 * STOP_MS + 30_000;

const PREFIX = 'kill:';
const NODES = ['node-a', 'node-b', 'node-c'] as const;

let server: RedisServer;
let dir: string;
beforeAll(async () => {
  server = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cluster-crash-'));
}, 60_000);
afterAll(async () => {
  killRunningChildren();
  await server?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const file = (node: string) => join(dir, `${node}.jsonl`);

/** Where the campaign stands in Redis, and the warnings the nodes logged: for a wait that overran. */
async function clusterState(): Promise<string> {
  const journal = new RedisJournal({ redis: server.url, prefix: PREFIX });
  try {
    const status = await within(journal.status(CAMPAIGN.id), 5_000, 'reading the campaign status');
    const logs = NODES.map((n) => `${n}.jsonl.log`)
      .filter((f) => existsSync(join(dir, f)))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).slice(-10));
    return `campaign ${JSON.stringify(status)}; last warnings: ${logs.join('\n') || 'none'}`;
  } finally {
    await within(journal.close(), 5_000, 'closing the journal').catch(() => {});
  }
}

describe('cluster: a node process killed with SIGKILL mid-campaign', () => {
  it(
    `is restarted with its node id (${KILLS} kills at seeded random points); the campaign ends with no recipient sent twice and none lost`,
    async () => {
      const random = seededRandom(20_261_202);
      let seed = 1;
      /** A node process; `hang` of its sends leave and are never answered (it is to be killed). */
      const node = (id: string, role: 'serve' | 'send', hang = 0): Child =>
        startChild(
          'clusterNodeChild',
          [server.url, PREFIX, id, file(id), String(seed++), role, String(RECIPIENTS), String(hang)],
          id,
        );

      const c = node('node-c', 'serve');
      let b = node('node-b', 'serve', 0.3);
      await Promise.all([c.printed('serving', START_MS), b.printed('serving', START_MS)]);
      const a = node('node-a', 'send');
      await a.printed('serving', START_MS);
      let kills = 0;
      for (; kills < KILLS; kills++) {
        await sleep(300 + Math.floor(random() * 1_200));
        const running = b.kill();
        const killed = await within(b.exited, KILLED_MS, `node-b exiting after kill ${kills + 1}`);
        expect(running, `node-b was still running when kill ${kills + 1} came: ${killed.stderr}`).toBe(true);
        expect(killed.signal).toBe('SIGKILL');
        // Nobody got two messages, whatever the kill cut off.
        checkNoDuplicates(NODES.map(file), CAMPAIGN.text);
        // The same node id again: it takes its sessions' claims back at once. The last run answers
        // every send, so that the campaign can finish.
        b = node('node-b', 'serve', kills + 1 < KILLS ? 0.3 : 0);
        await b.printed('serving', START_MS);
      }

      const done = await within(a.exited, CAMPAIGN_MS, 'the campaign ending on node-a', clusterState);
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      const report = JSON.parse(done.stdout.split('\n').filter(Boolean).at(-1)!) as ClusterReport;
      const delivered = checkNoDuplicates(NODES.map(file), CAMPAIGN.text);
      // Every deliverable recipient was delivered once and reported sent; the only other item is
      // the invalid recipient, skipped. No item is unknown: an item cut off mid-send on node-b is
      // bound to its session, and node-b always came back (well within unknownAfterMs) to send it
      // again with its randomId. None is failed either, not even one whose node lost its lock
      // while the machine was starved: that node leaves it to the node that took it over.
      const notSent = report.results.filter(([, outcome]) => outcome !== 'sent');
      expect(notSent).toEqual([['not a username!', 'skipped', null, expect.any(String)]]);
      expect(report.summary).toMatchObject({
        total: RECIPIENTS + 1,
        sent: RECIPIENTS,
        skipped: 1,
        unknown: 0,
        failed: 0,
      });
      expect(delivered.size).toBe(RECIPIENTS);
      // node-b took part: it sent some items, the kills cut some of its sends off.
      const byNode = (n: string) => report.results.filter(([, , s]) => s?.startsWith(`${n}-`)).length;
      expect(byNode('node-b')).toBeGreaterThan(0);
      expect(byNode('node-a') + byNode('node-b') + byNode('node-c')).toBe(RECIPIENTS);
      expect(kills).toBe(KILLS);

      for (const [name, n] of [
        ['node-b', b],
        ['node-c', c],
      ] as const)
        expect(await within(n.stop(), STOP_MS, `${name} shutting down on SIGTERM`)).toMatchObject({
          code: 0,
          stderr: '',
        });
    },
    LIMIT_MS,
  );
});
