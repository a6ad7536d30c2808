import { Api, utils } from 'telegram';
import { RPCError } from 'telegram/errors/index.js';
import type { TelegramClientLike } from './clientLike.js';
import { type GroupRef, resolveGroupPeer } from './groupRef.js';

export type JoinStatus = 'joined' | 'already-member' | 'pending';

export interface JoinResult {
  readonly status: JoinStatus;
  /** The group, when the session can now see it (not while a join request is pending). */
  readonly peer?: Api.TypeInputPeer;
}

const rpcCode = (error: unknown) => (error instanceof RPCError ? error.errorMessage : undefined);

function peerOfUpdates(updates: unknown): Api.TypeInputPeer | undefined {
  const chats = updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined ? updates.chats : [];
  const chat = chats.find((c) => c instanceof Api.Channel || c instanceof Api.Chat);
  return chat === undefined ? undefined : utils.getInputPeer(chat);
}

/**
 * Join a group on this session. `USER_ALREADY_PARTICIPANT` counts as joined;
 * `INVITE_REQUEST_SENT` means the join waits for an admin's approval (`pending`).
 * Any other error propagates to be classified.
 */
export async function joinGroup(client: TelegramClientLike, ref: GroupRef): Promise<JoinResult> {
  if (ref.kind === 'invite') {
    try {
      const updates = await client.invoke(new Api.messages.ImportChatInvite({ hash: ref.hash }));
      const peer = peerOfUpdates(updates);
      return peer === undefined ? { status: 'joined' } : { status: 'joined', peer };
    } catch (error) {
      const code = rpcCode(error);
      if (code === 'INVITE_REQUEST_SENT') return { status: 'pending' };
      if (code !== 'USER_ALREADY_PARTICIPANT') throw error;
      const invite = await client.invoke(new Api.messages.CheckChatInvite({ hash: ref.hash }));
      const peer = invite instanceof Api.ChatInviteAlready ? utils.getInputPeer(invite.chat) : undefined;
      return peer === undefined ? { status: 'already-member' } : { status: 'already-member', peer };
    }
  }
  const peer = await resolveGroupPeer(client, ref);
  if (!(peer instanceof Api.InputPeerChannel)) return { status: 'already-member', peer };
  try {
    await client.invoke(new Api.channels.JoinChannel({ channel: utils.getInputChannel(peer) }));
    return { status: 'joined', peer };
  } catch (error) {
    const code = rpcCode(error);
    if (code === 'USER_ALREADY_PARTICIPANT') return { status: 'already-member', peer };
    if (code === 'INVITE_REQUEST_SENT') return { status: 'pending' };
    throw error;
  }
}
