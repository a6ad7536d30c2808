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
