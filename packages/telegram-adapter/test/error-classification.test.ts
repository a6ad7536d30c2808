import { AttemptTimeoutError } from '@switchyard/core';
import { Api } from 'telegram';
import { FloodWaitError, SlowModeWaitError } from 'telegram/errors/index.js';
import { describe, expect, it } from 'vitest';
import { QuotaExhaustedError } from '../src/adapterErrors.js';
import { classifyFailure, judgeFailure } from '../src/classifyFailure.js';
import { errorCode } from '../src/errorCode.js';
import { classifyTelegramError } from '../src/telegramErrorClass.js';
import { rpcError } from './tlWire.js';

const req = new Api.messages.SendMessage({
  peer: new Api.InputPeerSelf(),
  message: 'x',
  randomId: undefined as never,
});
const err = (wire: string, code?: number) => rpcError(wire, code, req);

describe('Telegram error classification (TELEGRAM.md table)', () => {
  it('builds the real GramJS classes for flood and slow-mode waits', () => {
    expect(err('FLOOD_WAIT_30')).toBeInstanceOf(FloodWaitError);
    expect(err('FLOOD_PREMIUM_WAIT_7')).toBeInstanceOf(FloodWaitError);
    expect(err('SLOWMODE_WAIT_5')).toBeInstanceOf(SlowModeWaitError);
  });

  it('backs a session off for exactly n seconds on FLOOD_WAIT_n, and 0 counts as 1 s', () => {
    expect(classifyFailure(err('FLOOD_WAIT_30'))).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 30_000,
      scope: 'worker',
    });
    expect(classifyFailure(err('FLOOD_PREMIUM_WAIT_7'))).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 7000,
      scope: 'worker',
    });
    expect(classifyFailure(err('FLOOD_WAIT_0'))).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 1000,
      scope: 'worker',
    });
  });

  it('holds only the task (the chat) on SLOWMODE_WAIT_n', () => {
    expect(classifyFailure(err('SLOWMODE_WAIT_12'))).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 12_000,
      scope: 'task',
    });
  });

  it.each([
    ['PEER_FLOOD', 'send-to-strangers'],
    ['USER_RESTRICTED', 'send-to-strangers'],
    ['CHANNELS_TOO_MUCH', 'join'],
  ])('%s takes the %s capability and requeues the item at no cost', (wire, capability) => {
    expect(classifyTelegramError(err(wire))).toMatchObject({ type: 'session-limited', capability });
    expect(classifyFailure(err(wire))).toEqual({ kind: 'rate-limited', retryAfterMs: 0, scope: 'task' });
  });

  it.each([
    'AUTH_KEY_UNREGISTERED',
    'SESSION_REVOKED',
    'SESSION_EXPIRED',
    'USER_DEACTIVATED',
    'USER_DEACTIVATED_BAN',
    'AUTH_KEY_DUPLICATED',
    'PHONE_NUMBER_BANNED',
  ])('%s kills the session', (wire) => {
    expect(classifyFailure(err(wire, 401))).toEqual({ kind: 'worker-fatal' });
  });

  it.each([
    'USER_PRIVACY_RESTRICTED',
    'USERNAME_NOT_OCCUPIED',
    'USERNAME_INVALID',
    'CHAT_WRITE_FORBIDDEN',
    'USER_IS_BLOCKED',
    'YOU_BLOCKED_USER',
    'INPUT_USER_DEACTIVATED',
    'PEER_ID_INVALID',
    'CHANNEL_PRIVATE',
    'CHANNEL_INVALID',
    'INVITE_HASH_EXPIRED',
    'INVITE_HASH_INVALID',
    'CHAT_ADMIN_REQUIRED',
    'USER_BANNED_IN_CHANNEL',
    'CHAT_SEND_MEDIA_FORBIDDEN',
    'MESSAGE_TOO_LONG',
    'MEDIA_CAPTION_TOO_LONG',
    'PHOTO_SAVE_FILE_INVALID',
  ])('%s fails that item for good', (wire) => {
    expect(classifyFailure(err(wire))).toEqual({ kind: 'permanent' });
  });

  it('treats RPC_CALL_FAIL and TIMEOUT as transient, and as an unknown outcome for sends', () => {
    for (const wire of ['RPC_CALL_FAIL', 'TIMEOUT']) {
      expect(classifyFailure(err(wire, 500), { kind: 'scraping' })).toEqual({ kind: 'transient' });
      expect(classifyFailure(err(wire, 500), { kind: 'sending' })).toEqual({ kind: 'unknown-outcome' });
    }
    expect(classifyFailure(new AttemptTimeoutError(1000), { kind: 'sending' })).toEqual({
      kind: 'unknown-outcome',
    });
  });

  it("treats GramJS's own retries running out on server errors as transient, and as an unknown outcome for sends", () => {
    const exhausted = new Error('Request was unsuccessful 5 time(s)');
    expect(classifyTelegramError(exhausted)).toEqual({
      type: 'transient',
      code: 'REQUEST_RETRIES_EXHAUSTED',
      sent: 'maybe',
    });
    expect(errorCode(exhausted)).toBe('REQUEST_RETRIES_EXHAUSTED');
    expect(classifyFailure(exhausted, { kind: 'scraping' })).toEqual({ kind: 'transient' });
    expect(classifyFailure(exhausted, { kind: 'sending' })).toEqual({ kind: 'unknown-outcome' });
  });

  it('treats a network drop as transient; "disconnected before sending" is not an unknown outcome', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyFailure(reset, { kind: 'sending' })).toEqual({ kind: 'unknown-outcome' });
    const before = new Error('Cannot send requests while disconnected. Please reconnect.');
    expect(classifyFailure(before, { kind: 'sending' })).toEqual({ kind: 'transient' });
  });

  it('recognises RANDOM_ID_DUPLICATE as already sent', () => {
    expect(classifyTelegramError(err('RANDOM_ID_DUPLICATE'))).toEqual({ type: 'already-sent' });
  });

  it("maps GramJS's name-resolution failures (plain Errors) to the target code Telegram would use", () => {
    expect(classifyTelegramError(new Error('No user has "ghost_user" as username'))).toEqual({
      type: 'target',
      code: 'USERNAME_NOT_OCCUPIED',
    });
    expect(errorCode(new Error('No user has "ghost_user" as username'))).toBe('USERNAME_NOT_OCCUPIED');
    expect(classifyTelegramError(new Error('Cannot find any entity corresponding to "+15550000"'))).toEqual({
      type: 'target',
      code: 'PEER_ID_INVALID',
    });
    expect(classifyFailure(new Error('No user has "ghost_user" as username'))).toEqual({ kind: 'permanent' });
  });

  it('does not retry what it does not understand (no "retry by default")', () => {
    expect(classifyFailure(new Error('something odd happened'))).toEqual({ kind: 'permanent' });
    expect(classifyFailure(err('SOMETHING_NEW'))).toEqual({ kind: 'permanent' });
  });

  it('gives each verdict the session effect that goes with it, and none for a flood wait or a target error', () => {
    expect(judgeFailure(err('PEER_FLOOD'), 'sending').effect).toEqual({
      type: 'restrict',
      capability: 'send-to-strangers',
      code: 'PEER_FLOOD',
    });
    expect(judgeFailure(err('SESSION_REVOKED', 401), 'sending').effect).toEqual({
      type: 'dead',
      code: 'SESSION_REVOKED',
    });
    expect(
      judgeFailure(new Error('Cannot send requests while disconnected. Please reconnect.'), 'scraping'),
    ).toEqual({ failure: { kind: 'transient' }, effect: { type: 'disconnected', code: 'DISCONNECTED' } });
    expect(judgeFailure(new QuotaExhaustedError('s0'), 'scraping')).toEqual({
      failure: { kind: 'rate-limited', retryAfterMs: 0, scope: 'task' },
      effect: { type: 'quota-exhausted' },
    });
    expect(judgeFailure(err('FLOOD_WAIT_5'), 'sending').effect).toBeUndefined();
    expect(judgeFailure(err('USER_PRIVACY_RESTRICTED'), 'sending').effect).toBeUndefined();
  });
});
