import { Api } from 'telegram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scriptedHarness } from './scriptedHarness.js';
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
    // Real GramJS clients, each from its session string and the API hash: GramJS's connect()
    // reads the auth key from the string and saves it back, on the scripted Telegram.
    const h = scriptedHarness({
      sessions: 3,
      users: ['alice_one', 'bob_twooo', 'carol_three'],
      seed: 3,
      session: (telegram, name) => ({
        name,
        client: telegram.client(name, { sessionString: strings[Number(name.slice(1))]!, apiHash }),
      }),
      before: (telegram) =>
        telegram.addChannel({ username: 'secret_group', members: ['s0', 's1', 's2'], generatedMembers: 20 }),
    });
    const { logs, manager, telegram } = h;
    telegram.fault = ({ session, request, n }) => {
      if (!(request instanceof Api.messages.SendMessage)) return undefined;
      if (session === 's0') return { rpc: 'AUTH_KEY_UNREGISTERED', code: 401 };
      if (session === 's1' && n === 1) return { rpc: 'FLOOD_WAIT_3' };
      if (session === 's2' && n === 1) return { rpc: 'TIMEOUT', after: true };
      return undefined;
    };
    await h.ready();
    const op = manager.sendTextMessagesBulk(['alice_one', 'bob_twooo', 'carol_three', 'bad'], 'hi');
    const scrape = manager.scrapeGroupMembers('secret_group');
    manager.startMonitoring(['secret_group']).subscribe();
    const report = await h.settle(op, 3600_000);
    const scraped = await h.settle(scrape, 3600_000);
    expect(scraped.members.length).toBeGreaterThanOrEqual(20);
    // The strings as GramJS saves them after connecting (the auth key is in them too).
    const saved = ['s0', 's1', 's2'].map((n) => String(telegram.client(n).session.save()));
    for (const string of saved) expect(string.length).toBeGreaterThan(100);
    const snapshot = JSON.stringify(manager.snapshot());
    const errors = JSON.stringify([...report.results.values()]);
    await manager.shutdown();
    const everything = [...logs, ...printed, snapshot, errors].join('\n');
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.some((l) => l.includes('session is dead'))).toBe(true);
    expect(printed).toEqual([]);
    for (const secret of [apiHash, ...strings, ...strings.map((s) => s.slice(1, 60)), ...saved]) {
      expect(everything).not.toContain(secret);
    }
    expect(report.summary.sent).toBe(3);
    expect(telegram.deliveries).toHaveLength(3);
    expect(h.clock.pendingTimers()).toBe(0);
  });
});
