import { ValidationError } from '@switchyard/core';
import { Api, utils } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { NotAGroupMemberError } from './adapterErrors.js';
import type { TelegramClientLike } from './clientLike.js';
import { usernameSchema } from './recipient.js';

/** A group or channel as the caller named it. */
export type GroupRef =
  | { readonly kind: 'public'; readonly input: string; readonly username: string }
  | { readonly kind: 'invite'; readonly input: string; readonly hash: string }
  | { readonly kind: 'id'; readonly input: string; readonly id: string };

const linkRe = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(.+?)\/?$/i;
const inviteHashRe = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Parse `@name`, `name`, `t.me/name`, `t.me/+HASH`, `t.me/joinchat/HASH` or a negative chat id.
 * GramJS does not parse invite links itself (TELEGRAM.md), so we do.
 */
export function parseGroupRef(raw: unknown, field = 'group'): GroupRef {
  const fail = (reason: string): never => {
    throw new ValidationError([{ field, reason }]);
  };
  const input = typeof raw === 'number' ? String(raw) : raw;
  if (typeof input !== 'string' || input.trim() === '')
    return fail('a group username, link or id is required');
  const text = input.trim();
  if (/^-[1-9][0-9]{0,18}$/.test(text)) return { kind: 'id', input, id: text };
  const link = linkRe.exec(text);
  let name = text.startsWith('@') ? text.slice(1) : text;
  if (link) {
    const path = link[1]!;
    const invite = /^(?:\+|joinchat\/)(.+)$/.exec(path);
    if (invite) {
      const hash = invite[1]!;
      if (!inviteHashRe.test(hash)) return fail('the invite hash is malformed');
      return { kind: 'invite', input, hash };
    }
    name = path;
  } else if (text.includes('/')) {
    return fail('only t.me links are accepted');
  }
  const parsed = usernameSchema.safeParse(name);
  if (!parsed.success) return fail(parsed.error.issues[0]?.message ?? 'invalid username');
  return { kind: 'public', input, username: name };
}

/**
 * Each client's loading of its dialogs to resolve a group id: once per session is enough, and
 * scrapes of several groups at once on one session share the one load.
 */
const dialogsLoads = new WeakMap<object, Promise<void>>();

/** Dialogs per `messages.GetDialogs` page (Telegram serves at most 100). */
const DIALOGS_PAGE = 100;
/** At most this many pages: 10,000 dialogs. */
const MAX_DIALOG_PAGES = 100;

/** GramJS's (and its forks') words when neither its caches nor Telegram know a bare id. */
function isUnresolved(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Could not find the input entity for');
}

/**
 * The group as an InputPeer of this session. A username resolves through Telegram; a numeric
 * id (`-100…` for a supergroup or channel, `-…` for a basic group) only resolves from the
 * client's entity cache, which is empty until the session has loaded its dialogs: so for an id
 * the client does not know, the session's dialogs are loaded (`messages.GetDialogs`, paged,
 * once per session) and the id is tried again. An id that is still unknown means the session
 * is not a member: `NotAGroupMemberError` (code `CHANNEL_PRIVATE`).
 */
export async function resolveGroupPeer(
  client: TelegramClientLike,
  ref: Exclude<GroupRef, { kind: 'invite' }>,
): Promise<Api.TypeInputPeer> {
  if (ref.kind === 'public') return client.getInputEntity(ref.username);
  const id = returnBigInt(ref.id);
  try {
    return await client.getInputEntity(id);
  } catch (error) {
    if (!isUnresolved(error)) throw error;
  }
  let load = dialogsLoads.get(client);
  if (load === undefined) {
    load = loadDialogs(client);
    dialogsLoads.set(client, load);
    // A load that failed (a flood wait, a dropped connection) is tried again next time.
    load.catch(() => dialogsLoads.delete(client));
  }
  await load;
  try {
    return await client.getInputEntity(id);
  } catch (error) {
    if (!isUnresolved(error)) throw error;
  }
  throw new NotAGroupMemberError(ref.input);
}

/**
 * Page through the session's dialogs. GramJS's `invoke` adds every chat and user of each
 * answer to the client's entity cache, which is all this is for.
 */
async function loadDialogs(client: TelegramClientLike): Promise<void> {
  let offsetDate = 0;
  let offsetId = 0;
  let offsetPeer: Api.TypeInputPeer = new Api.InputPeerEmpty();
  for (let page = 0; page < MAX_DIALOG_PAGES; page++) {
    const answer = await client.invoke(
      new Api.messages.GetDialogs({
        offsetDate,
        offsetId,
        offsetPeer,
        limit: DIALOGS_PAGE,
        hash: returnBigInt(0),
      }),
    );
    if (!(answer instanceof Api.messages.DialogsSlice) || answer.dialogs.length < DIALOGS_PAGE) return;
    const last = answer.dialogs.at(-1);
    if (!(last instanceof Api.Dialog)) return;
    const lastId = utils.getPeerId(last.peer);
    const entity = [...answer.chats, ...answer.users].find((e) => utils.getPeerId(e) === lastId);
    const message = answer.messages.find(
      (m) => m.id === last.topMessage && 'peerId' in m && m.peerId && utils.getPeerId(m.peerId) === lastId,
    );
    if (entity === undefined) return;
    offsetPeer = utils.getInputPeer(entity);
    offsetId = last.topMessage;
    offsetDate = message !== undefined && 'date' in message ? (message.date ?? 0) : 0;
  }
}
