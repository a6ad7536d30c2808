import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryJournal, ValidationError } from '@switchyard/core';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { restartedManager, shutdownRestarted } from './restartedManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { settle } from './settle.js';
import { tempDirs } from './tempDirs.js';

let h: ScriptedHarness | undefined;
const tempDir = tempDirs('scrape-campaign-');
afterEach(async () => {
  await shutdownRestarted();
  await h?.manager.shutdown();
  h = undefined;
});

/** The offsets of every channels.GetParticipants that reached Telegram, from request `from` on. */
const offsets = (h: ScriptedHarness, from = 0) =>
  h.telegram.requests
    .slice(from)
    .filter((r) => r.request instanceof Api.channels.GetParticipants)
    .map((r) => (r.request as Api.channels.GetParticipants).offset);

const joins = (h: ScriptedHarness) =>
  h.telegram.requests.filter((r) => r.request instanceof Api.channels.JoinChannel).length;

describe('a scrape campaign interrupted mid-scrape', () => {
  it('resumes from the page it reached, without joining again, and its output has no duplicates', async () => {
    const journal = new MemoryJournal();
    const dir = tempDir();
    h = scriptedHarness({
      sessions: 1,
      journal,
      before: (tg) => {
        tg.addChannel({ username: 'big_group', generatedMembers: 450 });
        let pages = 0;
        // The second page never answers: the process is stopped there.
        tg.fault = (ctx) =>
          ctx.request instanceof Api.channels.GetParticipants && ++pages === 2 ? { hang: true } : undefined;
      },
    });
    await h.ready();
    const options = { campaign: 'groups-1', maxMembers: 5000, outputDir: dir, format: 'jsonl' as const };
    const first = h.manager.safeBulkScrapeWithRotation(['big_group'], options);
    for (let i = 0; i < 100 && offsets(h).length < 2; i++) await h.clock.advance(100);
    expect(offsets(h)).toEqual([0, 200]);
    await h.manager.shutdown();
    await first;
    expect(await h.manager.campaignStatus('groups-1')).toMatchObject({
      kind: 'join-and-scrape',
      total: 1,
      pending: 1,
    });
    expect(joins(h)).toBe(1);
    h.telegram.fault = () => undefined;

    const m = await restartedManager(h, journal, ['s0']);
    const mark = h.telegram.requests.length;
    const report = await settle(h.clock, m.safeBulkScrapeWithRotation(['big_group'], options));
    // From the page it had reached, not from the start.
    expect(offsets(h, mark)).toEqual([200, 400]);
    expect(joins(h)).toBe(1);
    const result = report.results.get('big_group')!;
    expect(result).toMatchObject({ success: true, complete: true });
    // The 450 members, and the account that joined.
    const ids = result.members.map((x) => x.id);
    expect(ids).toHaveLength(451);
    expect(new Set(ids).size).toBe(451);
    const lines = readFileSync(join(dir, 'big_group.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(451);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(451);
    expect(await m.campaignStatus('groups-1')).toMatchObject({ total: 1, sent: 1, pending: 0 });

    // Finished: a later call reads it from the journal and asks Telegram nothing.
    const again = h.telegram.requests.length;
    const later = await settle(h.clock, m.safeBulkScrapeWithRotation(['big_group'], options));
    expect(later.results.get('big_group')?.members).toHaveLength(451);
    expect(h.telegram.requests.length).toBe(again);
  });

  it('with other groups or options is refused naming campaign; resumeCampaign points to the scrape call', async () => {
    const journal = new MemoryJournal();
    h = scriptedHarness({
      sessions: 1,
      journal,
      before: (tg) => tg.addChannel({ username: 'small_group', generatedMembers: 5 }),
    });
    await h.ready();
    await h.settle(h.manager.bulkScrapeGroups(['small_group'], { campaign: 'g' }));
    const asked = h.telegram.requests.length;
    for (const op of [
      h.manager.bulkScrapeGroups(['small_group'], { campaign: 'g', maxMembers: 3 }) as PromiseLike<unknown>,
      h.manager.safeBulkScrapeWithRotation(['small_group'], { campaign: 'g' }),
      h.manager.resumeCampaign('g'),
    ]) {
      const error = await h.settle(op).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['campaign']);
    }
    expect(h.telegram.requests.length).toBe(asked);
  });
});
