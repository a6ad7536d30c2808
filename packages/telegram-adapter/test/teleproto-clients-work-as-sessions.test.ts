// A client from teleproto (the maintained fork of GramJS, a newer TL layer with its own classes)
// as a session, on the scripted Telegram: teleproto's own invoke, reader, error classes and
// update path run, and the adapter meets them only through its session spec.

import { Api } from 'telegram';
import { Api as TpApi, TelegramClient as TpClient } from 'teleproto';
import { _handleUpdate as tpHandleUpdate } from 'teleproto/client/updates.js';
import { RPCMessageToError as tpRPCMessageToError } from 'teleproto/errors/index.js';
import { BinaryReader as TpReader } from 'teleproto/extensions/index.js';
import { Logger as TpLogger, LogLevel as TpLogLevel } from 'teleproto/extensions/Logger.js';
import { StringSession as TpStringSession } from 'teleproto/sessions/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramSessionSpec } from '../src/clientLike.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { ScriptedTelegram } from './scriptedTelegram.js';
import { dialectOf, type TlLibrary } from './tlWire.js';

const teleproto = dialectOf({
  Api: TpApi,
  BinaryReader: TpReader as unknown as TlLibrary['BinaryReader'],
  RPCMessageToError: tpRPCMessageToError as TlLibrary['RPCMessageToError'],
  handleUpdate: tpHandleUpdate as TlLibrary['handleUpdate'],
});

/** A teleproto client built as its users build one, wired to the scripted Telegram. */
function teleprotoSession(telegram: ScriptedTelegram, name: string): TelegramSessionSpec {
  const client = new TpClient(new TpStringSession(''), 1, '0123456789abcdef0123456789abcdef', {
    baseLogger: new TpLogger(TpLogLevel.NONE),
    connectionRetries: 1,
  });
  // The double speaks to the client in teleproto's own classes.
  telegram.attach(name, client as never, { dialect: teleproto });
  return { name, client, api: TpApi };
}

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const harness = (options: Parameters<typeof scriptedHarness>[0] = {}) =>
  scriptedHarness({ users: ['alice_one', 'bob_two'], session: teleprotoSession, ...options });

describe('a teleproto client as a session', () => {
  it('sends: the request leaves in teleproto’s own layer, once, with its randomId', async () => {
    h = harness({ sessions: 1 });
    await h.ready();
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one', '@bob_two'], 'hello'));
    expect(report.summary).toMatchObject({ total: 2, sent: 2, failed: 0 });
    expect(h.telegram.deliveries.map((d) => d.peer).sort()).toHaveLength(2);
    // Built with teleproto's Api: its SendMessage constructor, not this package's older one.
    const sent = h.telegram.requestsOf('s0', 'messages.SendMessage');
    expect(sent).toHaveLength(2);
    expect(new TpApi.messages.SendMessage({ peer: 'x', message: 'y' } as never).CONSTRUCTOR_ID).not.toBe(
      new Api.messages.SendMessage({ peer: 'x', message: 'y' } as never).CONSTRUCTOR_ID,
    );
  });

  it('a FLOOD_WAIT from teleproto backs the session off for exactly that long', async () => {
    h = harness({ sessions: 1 });
    await h.ready();
    let floods = 0;
    h.telegram.fault = ({ request }) =>
      request.className === 'messages.SendMessage' && floods++ === 0 ? { rpc: 'FLOOD_WAIT_7' } : undefined;
    const started = h.clock.now();
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'));
    expect(report.summary).toMatchObject({ sent: 1, failed: 0 });
    const attempts = h.telegram.requests.filter((r) => r.request.className === 'messages.SendMessage');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBe(7_000);
    expect(attempts[0]!.at).toBeGreaterThanOrEqual(started);
  });

  it('a dead teleproto session is taken out: its items go to another session, reported by code', async () => {
    h = harness({ sessions: 2 });
    await h.ready();
    h.telegram.kill('s0', 'AUTH_KEY_UNREGISTERED');
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one', 'bob_two'], 'hi'));
    expect(report.summary).toMatchObject({ sent: 2, failed: 0 });
    expect(h.telegram.deliveries.every((d) => d.session === 's1')).toBe(true);
    expect(h.manager.getSessionInfo('s0').connection).toBe('dead');
  });

  it('scrapes a group’s members through teleproto', async () => {
    h = harness({
      sessions: 1,
      before: (t) => {
        t.addChannel({ username: 'the_group', members: ['alice_one', 'bob_two', 's0'] });
      },
    });
    await h.ready();
    const report = await h.settle(h.manager.bulkScrapeGroups(['the_group']));
    const result = [...report.results.values()][0] as { members?: readonly { username?: string }[] };
    const names = (result.members ?? []).map((m) => m.username).filter(Boolean);
    expect(names).toEqual(expect.arrayContaining(['alice_one', 'bob_two']));
  });

  it('monitors a group through teleproto’s update path', async () => {
    let channelId = 0;
    h = harness({
      sessions: 1,
      before: (t) => {
        channelId = t.addChannel({ username: 'news_room', members: ['s0', 'alice_one'] }).id;
      },
    });
    await h.ready();
    const seen: string[] = [];
    const sub = h.manager.startMonitoring(['news_room']).subscribe((m) => seen.push(m.text));
    await h.clock.advance(0);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    h.telegram.pushNewMessage({ channel: channelId, text: 'fresh news', from: 'alice_one' });
    for (let i = 0; i < 20 && seen.length === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await h.clock.advance(0);
    }
    expect(seen).toContain('fresh news');
    sub.unsubscribe();
  });
});
