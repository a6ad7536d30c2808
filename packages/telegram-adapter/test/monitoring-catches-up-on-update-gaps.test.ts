// GramJS 2.26 does not catch up on update gaps (its catchUp is empty). A channel update whose
// pts skips ahead of the last one seen, or an updateChannelTooLong, makes the monitor fetch what
// it missed; each message is delivered once, in order, while the same session keeps watching.
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { flush, watch } from './monitoring.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

async function watching(): Promise<{
  h: ScriptedHarness;
  channel: number;
  got: Awaited<ReturnType<typeof watch>>;
  watcher: string;
}> {
  let channel = 0;
  const harness = scriptedHarness({
    sessions: 2,
    users: ['alice_one'],
    before: (t) => {
      channel = t.addChannel({ username: 'gappy_channel', members: ['s0', 's1', 'alice_one'] }).id;
    },
  });
  h = harness;
  await harness.ready();
  const got = await watch(harness, 'gappy_channel');
  const watcher = harness.manager.getMonitoringAssignments().get('gappy_channel')!;
  return { h: harness, channel, got, watcher };
}

const historyRequests = (h: ScriptedHarness, session: string) =>
  h.telegram.requestsOf(session, 'messages.GetHistory').length;

describe('update gaps in a monitored channel', () => {
  it('a message whose pts skips ahead makes the monitor fetch the ones it never got, once and in order', async () => {
    const { h, channel, got, watcher } = await watching();
    h.telegram.pushNewMessage({ channel, text: 'a', from: 'alice_one' });
    await flush(h);
    // Telegram stores these but the update never reaches the watching session.
    h.telegram.pushNewMessage({ channel, text: 'b', to: [] });
    h.telegram.pushNewMessage({ channel, text: 'c', to: [] });
    h.telegram.pushNewMessage({ channel, text: 'd' });
    await flush(h);
    h.telegram.pushNewMessage({ channel, text: 'e' });
    await flush(h);
    expect(got.map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(got.map((m) => m.session)).toEqual(Array(5).fill(watcher));
    expect(got.filter((m) => m.backfilled).map((m) => m.text)).toEqual(expect.arrayContaining(['b', 'c']));
    expect(h.manager.getMonitoringAssignments().get('gappy_channel')).toBe(watcher);
  });

  it('updateChannelTooLong makes the monitor fetch what it missed', async () => {
    const { h, channel, got, watcher } = await watching();
    h.telegram.pushNewMessage({ channel, text: 'a' });
    await flush(h);
    for (const text of ['x', 'y', 'z']) h.telegram.pushNewMessage({ channel, text, to: [] });
    await flush(h);
    expect(got.map((m) => m.text)).toEqual(['a']);
    h.telegram.pushChannelTooLong(watcher, channel);
    await flush(h);
    h.telegram.pushNewMessage({ channel, text: 'after' });
    await flush(h);
    expect(got.map((m) => [m.text, m.backfilled])).toEqual([
      ['a', false],
      ['x', true],
      ['y', true],
      ['z', true],
      ['after', false],
    ]);
  });

  it('updates in sequence fetch nothing, other channel updates (an edit) included', async () => {
    const { h, channel, got, watcher } = await watching();
    const before = historyRequests(h, watcher);
    const { id } = h.telegram.pushNewMessage({ channel, text: 'a' });
    await flush(h);
    // An edit moves the channel's pts by one, as Telegram numbers every channel update.
    const record = h.telegram.channel(channel);
    record.pts++;
    h.telegram.pushUpdate(
      watcher,
      new Api.Updates({
        updates: [
          new Api.UpdateEditChannelMessage({
            message: new Api.Message({
              id,
              peerId: new Api.PeerChannel({ channelId: returnBigInt(channel) }),
              date: 0,
              message: 'a (edited)',
            }),
            pts: record.pts,
            ptsCount: 1,
          }),
        ],
        users: [],
        chats: [],
        date: 0,
        seq: 0,
      }),
    );
    await flush(h);
    h.telegram.pushNewMessage({ channel, text: 'b' });
    await flush(h);
    expect(got.map((m) => [m.text, m.backfilled])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    expect(historyRequests(h, watcher)).toBe(before);
  });

  it('a repeated update is delivered once', async () => {
    const { h, channel, got, watcher } = await watching();
    h.telegram.pushNewMessage({ channel, text: 'a' });
    await flush(h);
    const stored = h.telegram.channel(channel).messages.at(-1)!;
    // The same update again, as Telegram may send it after a reconnect.
    h.telegram.pushUpdate(
      watcher,
      new Api.Updates({
        updates: [
          new Api.UpdateNewChannelMessage({
            message: new Api.Message({
              id: stored.id,
              peerId: new Api.PeerChannel({ channelId: returnBigInt(channel) }),
              date: stored.date,
              message: stored.text,
            }),
            pts: stored.pts,
            ptsCount: 1,
          }),
        ],
        users: [],
        chats: [],
        date: 0,
        seq: 0,
      }),
    );
    await flush(h);
    expect(got.map((m) => m.text)).toEqual(['a']);
  });
});
