import { systemClock } from '@switchyard/core';
import { SCRAPE, SEND_TO_STRANGERS, TelegramSessionManager } from '@switchyard/telegram-adapter';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedTelegram } from '../../telegram-adapter/test/scriptedTelegram.js';
import { sessionRows } from '../src/output/sessionRows.js';
import { until } from './cliRuns.js';

let manager: TelegramSessionManager | undefined;
afterEach(async () => {
  await manager?.shutdown();
  manager = undefined;
});

describe("the live view's session rows", () => {
  it('show a session restricted only when it lost what the command needs', async () => {
    const tg = new ScriptedTelegram({ clock: systemClock });
    tg.addUser({ username: 'alice_one' });
    // Telegram answers this session's sends to strangers with PEER_FLOOD.
    tg.fault = ({ request }) =>
      request.className === 'messages.SendMessage' ? { rpc: 'PEER_FLOOD' } : undefined;
    manager = new TelegramSessionManager({
      sessions: [{ name: 's1', client: tg.client('s1') }],
      delayMs: 0,
      logger: pino({ level: 'silent' }),
    });
    await until('s1 connected', () => manager!.getSessionInfo('s1').connection === 'connected');
    expect(sessionRows(manager, [SEND_TO_STRANGERS])).toMatchObject([{ name: 's1', state: 'idle' }]);
    manager.sendTextMessagesBulk(['alice_one'], 'hi');
    await until(
      's1 restricted',
      () => manager!.getSessionInfo('s1').restricted[SEND_TO_STRANGERS] !== undefined,
    );
    // A send needs send-to-strangers, which PEER_FLOOD took; a scrape does not.
    expect(sessionRows(manager, [SEND_TO_STRANGERS])).toMatchObject([{ name: 's1', state: 'restricted' }]);
    expect(sessionRows(manager, [SCRAPE])).toMatchObject([{ name: 's1', state: 'idle' }]);
  });
});
