import { join } from 'node:path';
import { JournalLeaseError, MemoryJournal, ValidationError } from '@switchyard/core';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { restartedManager, shutdownRestarted } from './restartedManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { ScriptedTelegram } from './scriptedTelegram.js';
import { settle } from './settle.js';
import { tempDirs } from './tempDirs.js';

const users = Array.from({ length: 8 }, (_, i) => `person_${i}x`);

let h: ScriptedHarness | undefined;
const tempDir = tempDirs('campaign-');
afterEach(async () => {
  await shutdownRestarted();
  await h?.manager.shutdown();
  h = undefined;
});

/** Deliveries per peer: every recipient got at most one message. */
function deliveredOnce(telegram: ScriptedTelegram): Map<string, number> {
  const count = new Map<string, number>();
  for (const d of telegram.deliveries) count.set(d.peer, (count.get(d.peer) ?? 0) + 1);
  for (const [peer, n] of count) expect(n, `deliveries to ${peer}`).toBe(1);
  return count;
}

/** The SendMessage requests to a user that reached Telegram. */
const sendsTo = (telegram: ScriptedTelegram, peer: string) =>
  telegram.requests.filter(
    (r) =>
      r.request instanceof Api.messages.SendMessage &&
      r.request.peer instanceof Api.InputPeerUser &&
      `user:${r.request.peer.userId.toString()}` === peer,
  );

describe('a campaign interrupted by shutdown', () => {
  it('is resumed by a new manager on the same journal, which sends only to those not yet sent', async () => {
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 2, users, journal, delayMs: 1000 });
    await h.ready();
    const first = h.manager.sendTextMessagesBulk(users, 'spring sale', { campaign: 'spring-sale' });
    // Each session sends once a second: about four of the eight are out after 1.5 s.
    await h.clock.advance(1500);
    await h.manager.shutdown();
    await first;
    const sentBefore = h.telegram.deliveries.length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(users.length);
    const mid = await h.manager.campaignStatus('spring-sale');
    expect(mid).toMatchObject({
      id: 'spring-sale',
      kind: 'send-text',
      total: 8,
      sent: sentBefore,
      unknown: 0,
    });
    expect(mid!.pending).toBe(8 - sentBefore);

    const m = await restartedManager(h, journal, ['s0', 's1']);
    const again = await settle(
      h.clock,
      m.sendTextMessagesBulk(users, 'spring sale', { campaign: 'spring-sale' }),
    );
    expect(h.telegram.deliveries).toHaveLength(users.length);
    expect(deliveredOnce(h.telegram).size).toBe(users.length);
    // Results cover every recipient; those sent before come from the journal.
    expect(again.summary).toMatchObject({ total: 8, sent: 8, failed: 0, skipped: 0, unknown: 0 });
    const fromBefore = [...again.results.values()].filter((r) => r.fromJournal === true);
    expect(fromBefore).toHaveLength(sentBefore);
    expect(await m.campaignStatus('spring-sale')).toMatchObject({ total: 8, sent: 8, pending: 0 });
    expect(await m.listCampaigns()).toEqual([await m.campaignStatus('spring-sale')]);
  });

  it('is resumed from the journal alone by resumeCampaign, on a SQLite file', async () => {
    const dir = tempDir();
    const path = join(dir, 'campaigns.sqlite');
    h = scriptedHarness({ sessions: 2, users, journal: path, delayMs: 1000 });
    await h.ready();
    const list = [...users, 'not a username!', users[0]!];
    const first = h.manager.sendTextMessagesBulk(list, 'spring sale', { campaign: 'spring-sale' });
    await h.clock.advance(1500);
    await h.manager.shutdown();
    await first;
    const sentBefore = h.telegram.deliveries.length;
    expect(sentBefore).toBeLessThan(users.length);

    const m = await restartedManager(h, path, ['s0', 's1']);
    const op = m.resumeCampaign('spring-sale');
    const streamed: string[] = [];
    op.results$.subscribe((r) => streamed.push(r.recipient));
    const report = await settle(h.clock, op);
    expect(deliveredOnce(h.telegram).size).toBe(users.length);
    expect(h.telegram.deliveries.every((d) => d.text === 'spring sale')).toBe(true);
    expect(report.summary).toMatchObject({ total: 9, sent: 8, skipped: 1, unknown: 0 });
    expect(report.results.get('not a username!')?.outcome).toBe('skipped');
    expect(new Set(streamed)).toEqual(new Set(report.results.keys()));
    expect(await m.campaignStatus('spring-sale')).toMatchObject({
      total: 9,
      sent: 8,
      skipped: 1,
      pending: 0,
    });
  });
});

describe('a send left mid-request by a crash', () => {
  /** Telegram takes the message to the first user, but the answer never comes. */
  async function interruptedMidSend(
    journal: MemoryJournal,
  ): Promise<{ peer: string; session: string; randomId: string }> {
    let target = '';
    h = scriptedHarness({
      sessions: 2,
      users,
      journal,
      // Each session sends one message, then waits: only the hanging send is mid-request.
      delayMs: 60_000,
      before: (tg) => {
        const u = tg.addUser({ username: 'lost_answer' });
        target = `user:${u.id}`;
        tg.fault = (ctx) =>
          ctx.request instanceof Api.messages.SendMessage && ctx.peer === target
            ? { hang: true, after: true }
            : undefined;
      },
    });
    await h.ready();
    const first = h.manager.sendTextMessagesBulk(['lost_answer', ...users], 'hello', { campaign: 'c1' });
    await h.clock.advance(100);
    const [delivery] = h.telegram.deliveriesTo(target);
    expect(delivery).toBeDefined();
    await h.manager.shutdown();
    await first;
    expect(await journal.status('c1')).toMatchObject({ attempting: 1 });
    h.telegram.fault = () => undefined;
    return { peer: target, session: delivery!.session, randomId: delivery!.randomId };
  }

  it('is retried on the same session with the same randomId, and RANDOM_ID_DUPLICATE counts as sent', async () => {
    const journal = new MemoryJournal();
    const { peer, session, randomId } = await interruptedMidSend(journal);
    const before = sendsTo(h!.telegram, peer).length;
    const m = await restartedManager(h!, journal, ['s0', 's1']);
    const report = await settle(h!.clock, m.resumeCampaign('c1'));
    const retries = sendsTo(h!.telegram, peer).slice(before);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    for (const r of retries) {
      expect(r.session).toBe(session);
      expect((r.request as Api.messages.SendMessage).randomId?.toString()).toBe(randomId);
    }
    expect(report.results.get('lost_answer')).toMatchObject({ outcome: 'sent', sessionUsed: session });
    expect(deliveredOnce(h!.telegram).size).toBe(users.length + 1);
    expect(await m.campaignStatus('c1')).toMatchObject({ sent: users.length + 1, pending: 0, unknown: 0 });
  });

  it('is reported unknown, and never sent from another session, when its session is gone', async () => {
    const journal = new MemoryJournal();
    const { peer, session } = await interruptedMidSend(journal);
    const before = sendsTo(h!.telegram, peer).length;
    const other = session === 's0' ? 's1' : 's0';
    const m = await restartedManager(h!, journal, [other]);
    const report = await settle(h!.clock, m.resumeCampaign('c1'));
    expect(sendsTo(h!.telegram, peer).slice(before)).toEqual([]);
    expect(report.results.get('lost_answer')).toMatchObject({
      outcome: 'unknown',
      success: false,
      error: 'UNKNOWN_OUTCOME',
      sessionUsed: session,
    });
    expect(report.summary).toMatchObject({ sent: users.length, unknown: 1 });
    expect(await m.campaignStatus('c1')).toMatchObject({ sent: users.length, unknown: 1, pending: 0 });
    expect(await journal.status('c1')).toMatchObject({ unknown: 1 });
    // A later resume reports it from the journal and still sends nothing to it.
    const later = await settle(h!.clock, m.resumeCampaign('c1'));
    expect(later.results.get('lost_answer')?.outcome).toBe('unknown');
    expect(sendsTo(h!.telegram, peer).slice(before)).toEqual([]);
  });
});

describe('a campaign id', () => {
  it('with different content is refused with a ValidationError naming campaign, and nothing is sent', async () => {
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 1, users, journal });
    await h.ready();
    await h.settle(h.manager.sendTextMessagesBulk(users.slice(0, 2), 'one', { campaign: 'c' }));
    const sent = h.telegram.deliveries.length;
    for (const op of [
      h.manager.sendTextMessagesBulk(users.slice(0, 2), 'two', { campaign: 'c' }),
      h.manager.sendTextMessagesBulk(users.slice(0, 3), 'one', { campaign: 'c' }),
    ]) {
      const error = await h.settle(op).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['campaign']);
    }
    expect(h.telegram.deliveries).toHaveLength(sent);
  });

  it('that another call holds is refused with the lease error, and nothing is sent twice', async () => {
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 1, users, journal, delayMs: 1000 });
    await h.ready();
    const first = h.manager.sendTextMessagesBulk(users, 'x', { campaign: 'held' });
    await h.clock.advance(10);
    const second = await h
      .settle(h.manager.sendTextMessagesBulk(users, 'x', { campaign: 'held' }))
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(JournalLeaseError);
    await h.settle(first);
    deliveredOnce(h.telegram);
    expect(h.telegram.deliveries).toHaveLength(users.length);
  });

  it('unknown to the journal: status is undefined and resumeCampaign rejects naming campaign', async () => {
    h = scriptedHarness({ sessions: 1, users, journal: new MemoryJournal() });
    await h.ready();
    expect(await h.manager.campaignStatus('nope')).toBeUndefined();
    const error = await h.settle(h.manager.resumeCampaign('nope')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.field).toBe('campaign');
    expect(h.telegram.deliveries).toHaveLength(0);
  });
});
