import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import { seededRandom } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, checkNoDuplicates, killRunningChildren, startChild } from './crash/childRuns.js';
import type { ClusterReport } from './crash/clusterNodeChild.js';
import { CAMPAIGN } from './crash/crashCampaign.js';

/** Recipients of the campaign; and how many times node-b is SIGKILLed while it runs. */
const RECIPIENTS = 150;
const KILLS = 3;

let server: RedisServer;
let dir: string;
beforeAll(async () => {
  server = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cluster-crash-'));
});
afterAll(async () => {
  killRunningChildren();
  await server?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// Three node processes for a minute or more: run by `pnpm test:cluster-crash`, not by `pnpm test`
// (on a loaded CI machine it has outrun its time limit).
const RUN = process.env.SWITCHYARD_CLUSTER_CRASH === '1';

describe('cluster: a node process killed with SIGKILL mid-campaign', () => {
  it.runIf(RUN)(
    `is restarted with its node id (${KILLS} kills at seeded random points); the campaign ends with no recipient sent twice and none lost`,
    async () => {
      const random = seededRandom(20_261_202);
      const prefix = 'kill:';
      const file = (node: string) => join(dir, `${node}.jsonl`);
      let seed = 1;
      /** A node process; `hang` of its sends leave and are never answered (it is to be killed). */
      const node = (id: string, role: 'serve' | 'send', hang = 0): Child =>
        startChild('clusterNodeChild', [
          server.url,
          prefix,
          id,
          file(id),
          String(seed++),
          role,
          String(RECIPIENTS),
          String(hang),
        ]);

      const c = node('node-c', 'serve');
      let b = node('node-b', 'serve', 0.3);
      await Promise.all([c.printed('serving'), b.printed('serving')]);
      const a = node('node-a', 'send');
      await a.printed('serving');
      let kills = 0;
      for (; kills < KILLS; kills++) {
        await sleep(300 + Math.floor(random() * 1_200));
        expect(b.kill(), 'node-b was still running when its kill came').toBe(true);
        expect((await b.exited).signal).toBe('SIGKILL');
        // Nobody got two messages, whatever the kill cut off.
        checkNoDuplicates(['node-a', 'node-b', 'node-c'].map(file), CAMPAIGN.text);
        // The same node id again: it takes its sessions' claims back at once. The last run answers
        // every send, so that the campaign can finish.
        b = node('node-b', 'serve', kills + 1 < KILLS ? 0.3 : 0);
        await b.printed('serving');
      }

      const done = await a.exited;
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      const report = JSON.parse(done.stdout.split('\n').filter(Boolean).at(-1)!) as ClusterReport;
      const delivered = checkNoDuplicates(['node-a', 'node-b', 'node-c'].map(file), CAMPAIGN.text);
      // Every deliverable recipient was delivered once and reported sent; the only other item is
      // the invalid recipient, skipped. No item is unknown: an item cut off mid-send on node-b is
      // bound to its session, and node-b always came back (well within unknownAfterMs) to send it
      // again with its randomId.
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

      for (const n of [b, c]) expect(await n.stop()).toMatchObject({ code: 0, stderr: '' });
    },
    300_000,
  );
});
