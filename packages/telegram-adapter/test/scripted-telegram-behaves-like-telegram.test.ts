import { VirtualClock } from '@switchyard/core';
import { Api, type TelegramClient } from 'telegram';
import { CustomFile } from 'telegram/client/uploads.js';
import { FloodWaitError, RPCError } from 'telegram/errors/index.js';
import { NewMessage } from 'telegram/events/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedTelegram } from './scriptedTelegram.js';

const clients: TelegramClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy();
});

function setup(
  options: ConstructorParameters<typeof ScriptedTelegram>[0] extends infer O ? Partial<O> : never = {},
) {
  const clock = new VirtualClock(0);
  const tg = new ScriptedTelegram({ clock, ...options });
  const connected = async (name: string): Promise<TelegramClient> => {
    const client = tg.client(name);
    clients.push(client);
    expect(await client.connect()).toBe(true);
    return client;
  };
  return { clock, tg, connected };
}

const send = (peer: Api.TypeInputPeer, message: string, randomId: number) =>
  new Api.messages.SendMessage({ peer, message, randomId: returnBigInt(randomId) });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('the scripted Telegram, through GramJS', () => {
  it("runs GramJS's own connect and invoke: the request is serialised, the answer read from bytes", async () => {
    const { tg, connected } = setup();
    tg.addUser({ username: 'alice_one' });
    const client = await connected('s1');
    expect(client.connected).toBe(true);
    const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username: 'alice_one' }));
    expect(resolved).toBeInstanceOf(Api.contacts.ResolvedPeer);
    expect(tg.requestsOf('s1', 'contacts.ResolveUsername')).toHaveLength(1);
    // A request GramJS cannot serialise fails inside invoke, before it reaches Telegram.
    const broken = new Api.messages.SendMessage({
      peer: new Api.InputPeerSelf(),
      message: 5 as unknown as string,
      randomId: returnBigInt(1),
    });
    await expect(client.invoke(broken)).rejects.toThrow(/Bytes or str expected/);
    expect(tg.requestsOf('s1', 'messages.SendMessage')).toHaveLength(0);
  });

  it('leaves `connected` undefined before the first connect, as GramJS does', () => {
    const { tg } = setup();
    const client = tg.client('s1');
    clients.push(client);
    expect(client.connected).toBeUndefined();
  });

  it('fills the entity cache of the client that received an answer, and of no other', async () => {
    const { tg, connected } = setup();
    const alice = tg.addUser({ username: 'alice_one' });
    const a = await connected('s1');
    const b = await connected('s2');
    await expect(a.getInputEntity(alice.id)).rejects.toThrow(/Could not find the input entity/);
    await a.invoke(new Api.contacts.ResolveUsername({ username: 'alice_one' }));
    const peer = await a.getInputEntity(alice.id);
    expect(peer).toBeInstanceOf(Api.InputPeerUser);
    await expect(b.getInputEntity(alice.id)).rejects.toThrow(/Could not find the input entity/);
  });

  it('gives each account its own access hash: a peer learnt on one account is PEER_ID_INVALID on another', async () => {
    const { tg, connected } = setup();
    tg.addUser({ username: 'alice_one' });
    const a = await connected('s1');
    const b = await connected('s2');
    const peer = await a.getInputEntity('alice_one');
    await a.invoke(send(peer, 'hi', 1));
    const error = await rejection(b.invoke(send(peer, 'hi', 2)));
    expect(error).toBeInstanceOf(RPCError);
    expect(error).toMatchObject({ code: 400, errorMessage: 'PEER_ID_INVALID' });
    expect(tg.deliveries.map((d) => d.session)).toEqual(['s1']);
  });

  it('gives CHANNEL_INVALID for a channel hash learnt on another account', async () => {
    const { tg, connected } = setup();
    const channel = tg.addChannel({ username: 'public_group', members: ['s1', 's2'] });
    const a = await connected('s1');
    const b = await connected('s2');
    const peer = await a.getInputEntity('public_group');
    const participants = new Api.channels.GetParticipants({
      channel: peer,
      filter: new Api.ChannelParticipantsRecent(),
      offset: 0,
      limit: 10,
      hash: returnBigInt(0),
    });
    await a.invoke(participants);
    await expect(b.invoke(participants)).rejects.toMatchObject({ errorMessage: 'CHANNEL_INVALID' });
    expect(channel.members).toHaveLength(2);
  });

  it('throws FLOOD_WAIT_5 as FloodWaitError(5) from a client whose floodSleepThreshold is 0', async () => {
    const { tg, connected } = setup();
    tg.addUser({ username: 'alice_one' });
    tg.fault = ({ request }) =>
      request instanceof Api.messages.SendMessage ? { rpc: 'FLOOD_WAIT_5' } : undefined;
    const client = await connected('s1');
    const peer = await client.getInputEntity('alice_one');
    const error = await rejection(client.invoke(send(peer, 'x', 1)));
    expect(error).toBeInstanceOf(FloodWaitError);
    expect(error).toMatchObject({ seconds: 5, code: 420, errorMessage: 'FLOOD' });
    expect(tg.deliveries).toHaveLength(0);
  });

  it('keeps the floodSleepThreshold of 60 on a client a user built (GramJS would sleep through short waits)', () => {
    const { tg } = setup();
    const client = tg.userBuiltClient('s1');
    clients.push(client);
    expect(client.floodSleepThreshold).toBe(60);
  });

  it('makes connect() return false when the network is unreachable, and never complete when it hangs', async () => {
    const { tg } = setup();
    tg.unreachable.add('s2');
    tg.hangConnect.add('s3');
    const down = tg.client('s2');
    const hung = tg.client('s3');
    clients.push(down);
    expect(await down.connect()).toBe(false);
    expect(down.connected).toBe(false);
    let settled = false;
    void hung.connect().finally(() => {
      settled = true;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(settled).toBe(false);
    expect(tg.connects).toEqual(['s2', 's3']);
  });

  it('lets uploaded parts expire: a send after the TTL gets FILE_PART_0_MISSING, and the photo is reusable by id', async () => {
    const { tg, clock, connected } = setup({ uploadTtlMs: 60_000 });
    tg.addUser({ username: 'alice_one' });
    const client = await connected('s1');
    const peer = await client.getInputEntity('alice_one');
    const file = await client.uploadFile({
      file: new CustomFile('a.jpg', 3, '', Buffer.from('abc')),
      workers: 1,
    });
    expect(tg.requestsOf('s1', 'upload.SaveFilePart')).toHaveLength(1);
    const media = new Api.InputMediaUploadedPhoto({ file });
    const sent = await client.invoke(
      new Api.messages.SendMedia({ peer, media, message: '', randomId: returnBigInt(1) }),
    );
    const photo = (tg.deliveries[0]!.media as Api.MessageMediaPhoto).photo as Api.Photo;
    expect(sent).toBeInstanceOf(Api.Updates);
    await clock.advance(60_000);
    await expect(
      client.invoke(new Api.messages.SendMedia({ peer, media, message: '', randomId: returnBigInt(2) })),
    ).rejects.toMatchObject({ errorMessage: 'FILE_PART_0_MISSING' });
    const reused = new Api.InputMediaPhoto({
      id: new Api.InputPhoto({
        id: photo.id,
        accessHash: photo.accessHash,
        fileReference: photo.fileReference,
      }),
    });
    await client.invoke(
      new Api.messages.SendMedia({ peer, media: reused, message: '', randomId: returnBigInt(3) }),
    );
    expect(tg.deliveries.map((d) => d.randomId)).toEqual(['1', '3']);
  });

  it('rejects a second send with the same randomId from the same account, not from another', async () => {
    const { tg, connected } = setup();
    tg.addUser({ username: 'alice_one' });
    const a = await connected('s1');
    const b = await connected('s2');
    const pa = await a.getInputEntity('alice_one');
    const pb = await b.getInputEntity('alice_one');
    await a.invoke(send(pa, 'x', 7));
    await expect(a.invoke(send(pa, 'x', 7))).rejects.toMatchObject({ errorMessage: 'RANDOM_ID_DUPLICATE' });
    await b.invoke(send(pb, 'x', 7));
    expect(tg.deliveries.map((d) => d.session)).toEqual(['s1', 's2']);
  });

  it('applies an error after the effect: delivered, but the caller sees the error', async () => {
    const { tg, connected } = setup();
    tg.addUser({ username: 'alice_one' });
    tg.fault = ({ request, n }) =>
      request instanceof Api.messages.SendMessage && n === 1
        ? { rpc: 'USER_RESTRICTED', after: true }
        : undefined;
    const client = await connected('s1');
    const peer = await client.getInputEntity('alice_one');
    await expect(client.invoke(send(peer, 'x', 1))).rejects.toMatchObject({
      errorMessage: 'USER_RESTRICTED',
    });
    expect(tg.deliveries).toHaveLength(1);
  });

  it('numbers basic-group messages per account, and channel messages once for all', async () => {
    const { tg, connected } = setup();
    const group = tg.addBasicGroup({ members: ['s1', 's2'] });
    const channel = tg.addChannel({ username: 'public_group', members: ['s1', 's2'] });
    const a = await connected('s1');
    await connected('s2');
    // s1 has already sent a private message, so its own counter is ahead of s2's.
    tg.addUser({ username: 'alice_one' });
    await a.invoke(send(await a.getInputEntity('alice_one'), 'x', 1));
    const inGroup = tg.pushNewMessage({ chat: group.id, text: 'hello' });
    // Each account's copy starts with the group's creation message (s1: 1, s2: 1); s1 then sent one (2).
    expect(inGroup.idBySession.get('s1')).toBe(3);
    expect(inGroup.idBySession.get('s2')).toBe(2);
    const inChannel = tg.pushNewMessage({ channel: channel.id, text: 'hello' });
    // Message 1 of a channel is its creation message.
    expect([...inChannel.idBySession.values()]).toEqual([2, 2]);
  });

  it('pages participants and attaches users who are not participants (the promoter)', async () => {
    const { tg, connected } = setup({ participantsCap: 250 });
    const channel = tg.addChannel({
      username: 'big_group',
      members: ['s1'],
      generatedMembers: 300,
      admins: ['s1'],
    });
    const client = await connected('s2');
    const peer = await client.getInputEntity('big_group');
    const page = (offset: number) =>
      client.invoke(
        new Api.channels.GetParticipants({
          channel: peer,
          filter: new Api.ChannelParticipantsRecent(),
          offset,
          limit: 200,
          hash: returnBigInt(0),
        }),
      ) as Promise<Api.channels.ChannelParticipants>;
    const first = await page(0);
    const second = await page(200);
    expect(first.participants).toHaveLength(200);
    expect(second.participants).toHaveLength(50); // the visible cap, not the 301 members
    expect(first.count).toBe(301);
    const participantIds = new Set(
      first.participants.map((p) => String((p as Api.ChannelParticipant).userId)),
    );
    const extra = first.users.filter((u) => !participantIds.has(String(u.id)));
    expect(extra.map((u) => Number(u.id.toString()))).toEqual([channel.promoterId]);
  });

  it('shows a hidden member list to a non-admin as its admins only', async () => {
    const { tg, connected } = setup();
    tg.addChannel({
      username: 'hidden_group',
      members: ['s1', 's2'],
      generatedMembers: 10,
      admins: ['s1'],
      hiddenMembers: true,
    });
    const client = await connected('s2');
    const peer = await client.getInputEntity('hidden_group');
    const page = (await client.invoke(
      new Api.channels.GetParticipants({
        channel: peer,
        filter: new Api.ChannelParticipantsRecent(),
        offset: 0,
        limit: 200,
        hash: returnBigInt(0),
      }),
    )) as Api.channels.ChannelParticipants;
    expect(page.participants.map((p) => p.className)).toEqual(['ChannelParticipantAdmin']);
  });

  it('resolves a phone only through contacts.ResolvePhone / ImportContacts; unknown numbers are PHONE_NOT_OCCUPIED', async () => {
    const { tg, connected } = setup();
    const bob = tg.addUser({ username: 'bob_twooo', phone: '+15550001' });
    const client = await connected('s1');
    await expect(client.invoke(new Api.contacts.ResolvePhone({ phone: '15559999' }))).rejects.toMatchObject({
      errorMessage: 'PHONE_NOT_OCCUPIED',
    });
    // GramJS's own phone lookup downloads the whole contact list, which does not hold bob yet.
    await expect(client.getInputEntity('+15550001')).rejects.toThrow();
    expect(tg.requestsOf('s1', 'contacts.GetContacts')).toHaveLength(1);
    await client.invoke(
      new Api.contacts.ImportContacts({
        contacts: [
          new Api.InputPhoneContact({
            clientId: returnBigInt(1),
            phone: '+15550001',
            firstName: 'Bob',
            lastName: '',
          }),
        ],
      }),
    );
    expect(tg.contactsOf('s1')).toEqual([bob.id]);
    expect(tg.contactsOf('s2')).toEqual([]);
    expect(await client.getInputEntity(bob.id)).toBeInstanceOf(Api.InputPeerUser);
  });

  it('teaches channel hashes through messages.GetDialogs; before that a -100 id cannot be resolved', async () => {
    const { tg, connected } = setup();
    const channel = tg.addChannel({ title: 'private group', members: ['s1'] });
    const client = await connected('s1');
    await expect(client.getInputEntity(channel.markedId)).rejects.toThrow();
    expect(tg.dialogsLoaded('s1')).toBe(false);
    await client.getDialogs({});
    expect(tg.dialogsLoaded('s1')).toBe(true);
    expect(await client.getInputEntity(channel.markedId)).toBeInstanceOf(Api.InputPeerChannel);
  });

  it('kills a session: every later request fails with the error Telegram gives a dead session', async () => {
    const { tg, connected } = setup();
    tg.addUser({ username: 'alice_one' });
    const client = await connected('s1');
    tg.kill('s1', 'SESSION_REVOKED');
    await expect(client.getInputEntity('alice_one')).rejects.toMatchObject({
      code: 401,
      errorMessage: 'SESSION_REVOKED',
    });
  });

  it("delivers pushed messages to NewMessage handlers through GramJS's update path", async () => {
    const { tg, connected } = setup();
    const channel = tg.addChannel({ username: 'watched_group', members: ['s1'] });
    const client = await connected('s1');
    await client.getInputEntity('watched_group');
    const seen: string[] = [];
    client.addEventHandler(
      (e: { message: Api.Message }) => {
        seen.push(e.message.message);
      },
      new NewMessage({ chats: [channel.markedId] }),
    );
    tg.pushNewMessage({ channel: channel.id, text: 'first' });
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['first']);
  });

  it('pages history and answers GetChannelDifference from a pts', async () => {
    const { tg, connected } = setup();
    const channel = tg.addChannel({ username: 'busy_group', members: ['s1'] });
    for (let i = 1; i <= 5; i++) tg.pushNewMessage({ channel: channel.id, text: `m${i}` });
    const client = await connected('s1');
    const peer = await client.getInputEntity('busy_group');
    const history = (await client.invoke(
      new Api.messages.GetHistory({
        peer,
        offsetId: 4,
        offsetDate: 0,
        addOffset: 0,
        limit: 2,
        maxId: 0,
        minId: 0,
        hash: returnBigInt(0),
      }),
    )) as Api.messages.ChannelMessages;
    expect(history.messages.map((m) => m.id)).toEqual([3, 2]); // message 1 is the creation message
    const diff = await client.invoke(
      new Api.updates.GetChannelDifference({
        channel: peer,
        filter: new Api.ChannelMessagesFilterEmpty(),
        pts: 4,
        limit: 100,
      }),
    );
    expect(diff).toBeInstanceOf(Api.updates.ChannelDifference);
    expect((diff as Api.updates.ChannelDifference).newMessages.map((m) => m.id)).toEqual([5, 6]);
  });
});
