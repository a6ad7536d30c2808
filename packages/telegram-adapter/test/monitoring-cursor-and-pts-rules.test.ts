// The pure rules under monitoring: a channel's pts sequence, where a chat's delivery stands per
// session, and how history is paged.
import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { ptsVerdict } from '../src/channelPts.js';
import { ChatCursor } from '../src/chatCursor.js';
import { historySince } from '../src/historySince.js';

describe('ptsVerdict', () => {
  it('applies the next update, ignores an old one and sees a gap when pts skips ahead', () => {
    expect(ptsVerdict(undefined, 10, 1)).toBe('apply');
    expect(ptsVerdict(9, 10, 1)).toBe('apply');
    expect(ptsVerdict(8, 10, 2)).toBe('apply');
    expect(ptsVerdict(10, 10, 1)).toBe('old');
    expect(ptsVerdict(10, 9, 1)).toBe('old');
    expect(ptsVerdict(8, 10, 1)).toBe('gap');
  });
});

const msg = (id: number, date: number, text = `m${id}`, senderId = '7') => ({ id, date, text, senderId });

describe('ChatCursor', () => {
  it('with ids per chat, one last id holds on every session', () => {
    const c = new ChatCursor();
    c.setIdsPerAccount(false);
    c.delivered('a', msg(5, 100));
    expect(c.minIdOn('b')).toBe(5);
    expect(c.sinceOn()).toBeUndefined();
    expect(c.undelivered('b', [msg(4, 99), msg(5, 100), msg(6, 101)]).map((m) => m.id)).toEqual([6]);
  });

  it('with ids per account, another session goes by its own ids and by date', () => {
    const c = new ChatCursor();
    c.setIdsPerAccount(true);
    c.delivered('a', msg(5, 100, 'hello'));
    expect(c.minIdOn('b')).toBe(0);
    expect(c.sinceOn()).toBe(100);
    // On b the same message has id 40; 41 came in the same second, 42 later.
    const onB = [msg(39, 99), msg(40, 100, 'hello'), msg(41, 100, 'other'), msg(42, 101)];
    expect(c.undelivered('b', onB).map((m) => m.id)).toEqual([41, 42]);
    c.seen('b', 42);
    expect(c.minIdOn('b')).toBe(42);
    expect(c.minIdOn('a')).toBe(5);
  });

  it('counts identical messages of one second: one delivered, a second one is still new', () => {
    const c = new ChatCursor();
    c.setIdsPerAccount(true);
    c.delivered('a', msg(5, 100, 'ok'));
    expect(c.undelivered('b', [msg(8, 100, 'ok'), msg(9, 100, 'ok')]).map((m) => m.id)).toEqual([9]);
  });

  it('a baseline delivers nothing but marks where the chat stood', () => {
    const c = new ChatCursor();
    c.setIdsPerAccount(true);
    expect(c.started).toBe(false);
    c.baseline('a', [msg(3, 50), msg(2, 50, 'x'), msg(1, 40)]);
    // On b, 11 and 12 are its copies of 2 and 3; 13 came after.
    expect(c.started).toBe(true);
    expect(c.minIdOn('a')).toBe(3);
    expect(
      c.undelivered('b', [msg(10, 40), msg(11, 50, 'x'), msg(12, 50, 'm3'), msg(13, 51)]).map((m) => m.id),
    ).toEqual([13]);
  });
});

describe('historySince', () => {
  const peer = new Api.InputPeerEmpty();
  /** A chat whose messages are ids 1..n, one second apart, answered as Telegram pages them. */
  function chat(n: number) {
    const requests: Api.messages.GetHistory[] = [];
    const invoke = async (r: Api.messages.GetHistory) => {
      requests.push(r);
      const ids = Array.from({ length: n }, (_, i) => n - i)
        .filter((id) => (r.offsetId > 0 ? id < r.offsetId : true) && id > r.minId)
        .slice(0, r.limit);
      return new Api.messages.MessagesSlice({
        count: n,
        messages: ids.map(
          (id) =>
            new Api.Message({
              id,
              peerId: new Api.PeerChat({ chatId: 1 as never }),
              date: id,
              message: `m${id}`,
            }),
        ),
        chats: [],
        users: [],
      });
    };
    return { invoke, requests };
  }

  it('pages down to minId, oldest first, at most 100 per request', async () => {
    const { invoke, requests } = chat(330);
    const got = await historySince({ invoke, peer, minId: 30, limit: 1000 });
    expect(got.messages.map((m) => m.id)).toEqual(Array.from({ length: 300 }, (_, i) => 31 + i));
    expect(got.overflow).toBe(false);
    expect(got.topId).toBe(330);
    expect(requests.every((r) => r.limit <= 100 && r.minId === 30)).toBe(true);
    expect(requests.map((r) => r.offsetId).slice(0, 3)).toEqual([0, 231, 131]);
  });

  it('stops at the first message older than `since`', async () => {
    const { invoke } = chat(200);
    const got = await historySince({ invoke, peer, minId: 0, since: 150, limit: 1000 });
    expect(got.messages.map((m) => m.id)).toEqual(Array.from({ length: 51 }, (_, i) => 150 + i));
  });

  it('says when more than `limit` were found, without paging further', async () => {
    const { invoke, requests } = chat(1000);
    const got = await historySince({ invoke, peer, minId: 0, limit: 120 });
    expect(got.overflow).toBe(true);
    expect(got.messages.length).toBeGreaterThan(120);
    expect(got.messages.at(-1)!.id).toBe(1000);
    expect(requests).toHaveLength(2);
  });
});
