import { seededRandom, VirtualClock } from '@switchyard/core';
import { Api } from 'telegram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { FakeTelegram } from './fakeTelegram.js';
import { captureLogs } from './harness.js';
import { sessionString } from './sessionString.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('secrets', () => {
  it('never appear in logs, errors, results or snapshots over a run with every kind of failure', async () => {
    const apiHash = 'fedcba9876543210fedcba9876543210';
    const strings = await Promise.all([11, 12, 13].map((n) => sessionString(n)));
    const printed: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      });
    }
    const { logs, logger } = captureLogs();
    const clock = new VirtualClock();
    const telegram = new FakeTelegram([{ id: 31, username: 'secret_group', members: 20 }]);
    const sessions = strings.map((s, i) => ({
      name: `s${i}`,
      client: telegram.client(`s${i}`, { sessionString: s, apiHash }),
    }));
    telegram.fault = ({ session, request, n }) => {
      if (!(request instanceof Api.messages.SendMessage)) return undefined;
      if (session === 's0') return { rpc: 'AUTH_KEY_UNREGISTERED', code: 401 };
      if (session === 's1' && n === 1) return { rpc: 'FLOOD_WAIT_3' };
      if (session === 's2' && n === 1) return { rpc: 'TIMEOUT', after: true };
      return undefined;
    };
    const manager = new TelegramSessionManager({
      sessions,
      clock,
      random: seededRandom(3),
      logger,
      connect: false,
      delayMs: 0,
    });
    const op = manager.sendTextMessagesBulk(['alice_one', 'bob_twooo', 'carol_three', 'bad'], 'hi');
    const scrape = manager.scrapeGroupMembers('secret_group');
    manager.startMonitoring(['secret_group']).subscribe();
    await clock.runAll(3600_000);
    const report = await op;
    await scrape;
    const snapshot = JSON.stringify(manager.snapshot());
    const errors = JSON.stringify([...report.results.values()]);
    await manager.shutdown();
    const everything = [...logs, ...printed, snapshot, errors].join('\n');
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.some((l) => l.includes('session is dead'))).toBe(true);
    expect(printed).toEqual([]);
    for (const secret of [apiHash, ...strings, ...strings.map((s) => s.slice(1, 60))]) {
      expect(everything).not.toContain(secret);
    }
    expect(report.summary.sent).toBe(3);
  });
});
