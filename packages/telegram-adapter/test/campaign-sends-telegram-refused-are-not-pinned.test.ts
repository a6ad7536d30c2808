import { MemoryJournal } from '@switchyard/core';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { restartedManager, shutdownRestarted } from './restartedManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { elapse, settle } from './settle.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await shutdownRestarted();
  await h?.manager.shutdown();
  h = undefined;
});

const sendsOf = (harness: ScriptedHarness, session: string) =>
  harness.telegram.requestsOf(session).filter((r) => r.className === 'messages.SendMessage');

describe('a campaign send that Telegram refused', () => {
  it.each([
    ['PEER_FLOOD', 'the session can no longer send to strangers'],
    ['AUTH_KEY_UNREGISTERED', 'the session is dead'],
  ])('(%s: %s) is pending again in the journal, so a restart sends it from another session', async (wire) => {
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 1, users: ['alice_one'], journal });
    h.telegram.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.messages.SendMessage ? { rpc: wire } : undefined;
    await h.ready();
    // s0 is the only session: after its refusal the item waits for one that can send.
    const first = h.manager.sendTextMessagesBulk(['alice_one'], 'spring sale', { campaign: 'c' });
    first.then(
      () => {},
      () => {},
    );
    await elapse(h.clock, 10_000);
    expect(sendsOf(h, 's0')).toHaveLength(1);
    expect(h.telegram.deliveries).toEqual([]);
    // The process stops here; the journal is all that is left of the campaign.
    await h.manager.shutdown();

    const m = await restartedManager(h, journal, ['s0', 's1']);
    const report = await settle(
      h.clock,
      m.sendTextMessagesBulk(['alice_one'], 'spring sale', { campaign: 'c' }),
      60_000,
    );
    expect(report.summary).toMatchObject({ sent: 1, unknown: 0 });
    expect(h.telegram.deliveries.map((d) => d.session)).toEqual(['s1']);
  });
});

describe('a campaign send left mid-send by a crash, whose session is restricted when it is resumed', () => {
  it('is reported unknown at once (PEER_FLOOD), not retried after restrictionMs nor sent from another session', async () => {
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 1, users: ['alice_one'], journal });
    // The send reaches Telegram, which delivers it; its answer never comes back.
    h.telegram.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.messages.SendMessage
        ? { hang: true, after: true }
        : undefined;
    await h.ready();
    const first = h.manager.sendTextMessagesBulk(['alice_one'], 'spring sale', { campaign: 'c' });
    first.then(
      () => {},
      () => {},
    );
    await elapse(h.clock, 5_000);
    expect(h.telegram.deliveries.map((d) => d.session)).toEqual(['s0']);
    await h.manager.shutdown();

    // After the restart s0 answers PEER_FLOOD: it has lost send-to-strangers for restrictionMs.
    h.telegram.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.messages.SendMessage ? { rpc: 'PEER_FLOOD' } : undefined;
    const m = await restartedManager(h, journal, ['s0', 's1']);
    const report = await settle(
      h.clock,
      m.sendTextMessagesBulk(['alice_one'], 'spring sale', { campaign: 'c' }),
      60_000,
    );
    expect(report.summary).toMatchObject({ total: 1, sent: 0, unknown: 1 });
    expect(report.results.get('alice_one')).toMatchObject({ outcome: 'unknown', sessionUsed: 's0' });
    // Nobody got a second message: s1 never sent it.
    expect(h.telegram.deliveries.map((d) => d.session)).toEqual(['s0']);
    expect(sendsOf(h, 's1')).toEqual([]);
    expect(await m.campaignStatus('c')).toMatchObject({ unknown: 1, pending: 0 });
  });
});
