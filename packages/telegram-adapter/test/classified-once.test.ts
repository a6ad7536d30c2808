import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramSessionManager } from '../src/telegramSessionManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { rpcError } from './tlWire.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const recipients = Array.from({ length: 8 }, (_, i) => `user_number${i}`);

/** A connected fleet of real GramJS clients on the scripted Telegram. */
async function harness(options: Parameters<typeof scriptedHarness>[0] = {}): Promise<ScriptedHarness> {
  const harness = scriptedHarness({ users: ['alice_one', ...recipients], ...options });
  await harness.ready();
  return harness;
}

/** Whether the current call comes from inside GramJS (its invoke reads an error's message itself). */
const insideGramJs = () => /[\\/]telegram[\\/]client[\\/]/.test(new Error().stack ?? '');

/**
 * Record every pool call that changes a worker (connection, backoff, capabilities), and
 * whether a task's run was executing on that worker at the time.
 */
function watchPoolCalls(manager: TelegramSessionManager) {
  const pool = manager.pool;
  const running = new Map<string, number>();
  const calls: { method: string; worker: string; inRun: boolean }[] = [];
  for (const method of ['reportConnection', 'backoffWorker', 'updateWorker'] as const) {
    const original = pool[method].bind(pool) as (id: string, ...rest: unknown[]) => void;
    Object.assign(pool, {
      [method]: (id: string, ...rest: unknown[]) => {
        calls.push({ method, worker: id, inRun: (running.get(id) ?? 0) > 0 });
        original(id, ...rest);
      },
    });
  }
  const submit = pool.submit.bind(pool);
  pool.submit = (task) =>
    submit({
      ...task,
      run: async (ctx) => {
        running.set(ctx.worker, (running.get(ctx.worker) ?? 0) + 1);
        try {
          return await task.run(ctx);
        } finally {
          running.set(ctx.worker, running.get(ctx.worker)! - 1);
        }
      },
    });
  return calls;
}

describe("one classification per failed attempt, in the pool's classify", () => {
  it("reads a Telegram error's code once: the pool's classify and the session's restriction share the verdict", async () => {
    h = await harness({ sessions: 2, restrictionMs: 3600_000 });
    let reads = 0;
    h.telegram.onRequest = ({ session, request }) => {
      if (session !== 's0' || !(request instanceof Api.messages.SendMessage)) return;
      // The error exactly as GramJS builds it from Telegram's answer, then handed to its invoke.
      const error = rpcError('PEER_FLOOD', 400, request) as Error & { errorMessage: string };
      const code = error.errorMessage;
      Object.defineProperty(error, 'errorMessage', {
        get: () => {
          // GramJS's invoke compares the message to RPC_CALL_FAIL itself; count the adapter's reads.
          if (!insideGramJs()) reads++;
          return code;
        },
        enumerable: false,
      });
      throw error;
    };
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'x'), 60_000);
    expect(report.results.get('alice_one')).toMatchObject({ success: true, sessionUsed: 's1' });
    expect(h.manager.getSessionInfo('s0').capabilities).not.toContain('send-to-strangers');
    expect(reads).toBe(1);
  });

  it("a task's run makes no pool call: restrictions, dropped and dead sessions are applied after it failed", async () => {
    h = await harness({ sessions: 4, sessionCapacity: 1, restrictionMs: 3600_000 });
    const calls = watchPoolCalls(h.manager);
    let drops = 0;
    h.telegram.onRequest = ({ session, request }) => {
      if (!(request instanceof Api.messages.SendMessage)) return;
      // What GramJS's invoke throws for a sender that was disconnected; it passes it on unchanged.
      if (session === 's1' && drops++ === 0)
        throw new Error('Cannot send requests while disconnected. Please reconnect.');
    };
    h.telegram.fault = ({ session, request }) => {
      if (!(request instanceof Api.messages.SendMessage)) return undefined;
      if (session === 's0') return { rpc: 'PEER_FLOOD' };
      if (session === 's2') return { rpc: 'AUTH_KEY_UNREGISTERED' };
      return undefined;
    };
    const report = await h.settle(h.manager.sendTextMessagesBulk(recipients, 'x'));
    expect(report.summary.sent).toBe(8);
    expect(h.manager.getSessionInfo('s0').restricted['send-to-strangers']).toBeGreaterThan(0);
    expect(h.manager.getSessionInfo('s2').connection).toBe('dead');
    expect(calls.map((c) => `${c.method} ${c.worker}`)).toEqual(
      expect.arrayContaining(['updateWorker s0', 'reportConnection s1', 'reportConnection s2']),
    );
    expect(calls.filter((c) => c.inRun)).toEqual([]);
  });

  it('a session out of scrape quota loses `scrape` after its run, not from inside it', async () => {
    const groups = Array.from({ length: 4 }, (_, i) => ({ username: `group_number${i}` }));
    h = await harness({
      sessions: 2,
      sessionCapacity: 1,
      dailyScrapeQuota: 1,
      before: (telegram) => {
        for (const g of groups) telegram.addChannel({ ...g, members: ['s0', 's1'], generatedMembers: 3 });
      },
    });
    const calls = watchPoolCalls(h.manager);
    const report = await h.settle(
      h.manager.bulkScrapeGroups(groups.map((g) => g.username)),
      3 * 24 * 3600_000,
    );
    expect(report.summary).toMatchObject({ total: 4, succeeded: 4, failed: 0 });
    expect(calls.filter((c) => c.method === 'updateWorker').length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.inRun)).toEqual([]);
  });
});
