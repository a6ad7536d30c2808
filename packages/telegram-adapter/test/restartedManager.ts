import type { Journal } from '@switchyard/core';
import { returnBigInt } from 'telegram/Helpers.js';
import { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { captureLogs, type ScriptedHarness } from './scriptedHarness.js';

const restarted: TelegramSessionManager[] = [];

/**
 * A second manager, as after a restart of the process, on the harness's Telegram and clock and
 * the given journal; resolves once every one of its sessions has connected.
 */
export async function restartedManager(
  h: ScriptedHarness,
  journal: Journal | string,
  sessions: readonly string[],
): Promise<TelegramSessionManager> {
  let next = 1000;
  const m = new TelegramSessionManager({
    sessions: sessions.map((name) => ({ name, client: h.telegram.client(name) })),
    clock: h.clock,
    logger: captureLogs().logger,
    delayMs: 0,
    randomId: () => returnBigInt(next++),
    journal,
  });
  restarted.push(m);
  for (let i = 0; i < 100; i++) {
    if (m.sessionNames().every((n) => m.getSessionInfo(n).connection === 'connected')) return m;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('sessions did not connect');
}

/** Shut down every manager `restartedManager` made (for `afterEach`). */
export async function shutdownRestarted(): Promise<void> {
  for (const m of restarted.splice(0)) await m.shutdown();
}
