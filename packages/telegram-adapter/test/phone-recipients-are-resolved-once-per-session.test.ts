import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { FaultContext } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const PHONE = '+15550001111';
const count = (h: ScriptedHarness, className: string) =>
  h.telegram.requests.filter((r) => r.request.className === className).length;

describe('a +phone recipient', () => {
  it('who is not a contact of the session is resolved with contacts.ResolvePhone, never by downloading the contact list', async () => {
    h = scriptedHarness({ sessions: 1, before: (t) => t.addUser({ phone: PHONE, firstName: 'Pat' }) });
    await h.ready();
    expect(h.telegram.contactsOf('s0')).toEqual([]);
    const report = await h.settle(h.manager.sendTextMessagesBulk([PHONE], 'hi'));
    expect(report.results.get(PHONE)).toMatchObject({ success: true, sessionUsed: 's0' });
    expect(h.telegram.deliveries).toHaveLength(1);
    expect(count(h, 'contacts.ResolvePhone')).toBe(1);
    expect(count(h, 'contacts.GetContacts')).toBe(0);
    // Nothing was added to the account's contacts to reach them.
    expect(h.telegram.contactsOf('s0')).toEqual([]);
  });

  it('is resolved once per session and then cached: later sends to the number ask Telegram nothing more', async () => {
    h = scriptedHarness({ sessions: 2, before: (t) => t.addUser({ phone: PHONE }) });
    await h.ready();
    for (let i = 0; i < 6; i++) {
      const report = await h.settle(h.manager.sendTextMessagesBulk([PHONE], `message ${i}`));
      expect(report.results.get(PHONE)!.success).toBe(true);
    }
    expect(h.telegram.deliveries).toHaveLength(6);
    const sessions = new Set(h.telegram.deliveries.map((d) => d.session));
    // Each session that sent resolved the number itself (its own access hash), exactly once.
    for (const s of ['s0', 's1'])
      expect(h.telegram.requestsOf(s, 'contacts.ResolvePhone')).toHaveLength(sessions.has(s) ? 1 : 0);
    expect(count(h, 'contacts.GetContacts')).toBe(0);
  });

  it('that no account has is reported as PHONE_NOT_OCCUPIED, a failure of that item only', async () => {
    h = scriptedHarness({ sessions: 1, users: ['alice_one'] });
    await h.ready();
    const report = await h.settle(h.manager.sendTextMessagesBulk([PHONE, 'alice_one'], 'hi'));
    expect(report.results.get(PHONE)).toMatchObject({
      success: false,
      outcome: 'failed',
      error: 'PHONE_NOT_OCCUPIED',
    });
    expect(report.results.get('alice_one')!.success).toBe(true);
    expect(report.summary.byError).toEqual({ PHONE_NOT_OCCUPIED: 1 });
    expect(h.manager.getSessionInfo('s0').capabilities).toContain('send-to-strangers');
  });

  it('falls back to contacts.ImportContacts on a session that cannot use ResolvePhone', async () => {
    h = scriptedHarness({ sessions: 1, before: (t) => t.addUser({ phone: PHONE }) });
    await h.ready();
    // An error the adapter has no meaning for: the method is not usable here.
    h.telegram.fault = (ctx: FaultContext) =>
      ctx.request instanceof Api.contacts.ResolvePhone ? { rpc: 'METHOD_INVALID' } : undefined;
    const report = await h.settle(h.manager.sendTextMessagesBulk([PHONE, '+15550002222'], 'hi'));
    expect(report.results.get(PHONE)).toMatchObject({ success: true });
    expect(h.telegram.contactsOf('s0')).toHaveLength(1);
    expect(count(h, 'contacts.ImportContacts')).toBe(2);
    // A number ImportContacts could not import is reported by Telegram's code, nothing more.
    expect(report.results.get('+15550002222')).toMatchObject({ success: false, error: 'PHONE_NOT_OCCUPIED' });
    expect(h.telegram.deliveries).toHaveLength(1);
  });
});
