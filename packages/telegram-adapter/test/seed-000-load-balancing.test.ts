// Seed 000's test list (tests/test_load_balancing.py), ported to the TelegramSessionManager API.
import { afterEach, describe, expect, it } from 'vitest';
import { NoLiveSessionError } from '../src/adapterErrors.js';
import { occupy, sendSequentially } from './poolWork.js';
import { type ScriptedHarness, scriptedHarness, turnsUntil } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

/** A connected fleet of real GramJS clients on the scripted Telegram (recipients seq_user0…5, alice_one, bob_twooo). */
async function harness(options: Parameters<typeof scriptedHarness>[0] = {}): Promise<ScriptedHarness> {
  const users = [...Array.from({ length: 6 }, (_, i) => `seq_user${i}`), 'alice_one', 'bob_twooo'];
  const harness = scriptedHarness({ users, ...options });
  await harness.ready();
  return harness;
}

/** The network of `session` drops; GramJS reports it and the manager has it reconnecting. */
async function loseNetwork(session: string): Promise<void> {
  h!.telegram.loseNetwork(session);
  await turnsUntil(() => h!.manager.getSessionInfo(session).connection === 'reconnecting');
}

describe('seed 000: load balancing', () => {
  it('test_session_load_tracking_initialization: every session starts at load 0', async () => {
    h = await harness();
    expect(h.manager.sessionNames().map((s) => h!.manager.getSessionLoad(s))).toEqual([0, 0, 0]);
  });

  it('test_increment_and_decrement_session_load: load rises while a task runs and falls when it ends', async () => {
    h = await harness();
    const a = occupy(h.manager, 's1');
    const b = occupy(h.manager, 's1');
    await h.clock.advance(0);
    expect(h.manager.getSessionLoad('s1')).toBe(2);
    a.release();
    await h.clock.advance(0);
    expect(h.manager.getSessionLoad('s1')).toBe(1);
    b.release();
    await h.clock.advance(0);
    expect(h.manager.getSessionLoad('s1')).toBe(0);
  });

  it('test_round_robin_session_selection: over 3 sessions picks s0, s1, s2, s0, s1, s2', async () => {
    h = await harness();
    expect(await sendSequentially(h, 6)).toEqual(['s0', 's1', 's2', 's0', 's1', 's2']);
  });

  it('test_round_robin_skips_disconnected_sessions', async () => {
    h = await harness();
    await loseNetwork('s1');
    expect(await sendSequentially(h, 4)).toEqual(['s0', 's2', 's0', 's2']);
    expect(h.manager.getSessionInfo('s1').connection).toBe('reconnecting');
  });

  it('test_least_loaded_session_selection: with loads 2, 1, 0 picks the third session', async () => {
    h = await harness({ strategy: 'least-loaded' });
    occupy(h.manager, 's0');
    occupy(h.manager, 's0');
    occupy(h.manager, 's1');
    await h.clock.advance(0);
    expect(['s0', 's1', 's2'].map((s) => h!.manager.getSessionLoad(s))).toEqual([2, 1, 0]);
    expect(await sendSequentially(h, 1)).toEqual(['s2']);
  });

  it('test_least_loaded_breaks_ties_with_round_robin', async () => {
    h = await harness({ strategy: 'least-loaded' });
    expect(await sendSequentially(h, 6)).toEqual(['s0', 's1', 's2', 's0', 's1', 's2']);
  });

  it('test_least_loaded_skips_disconnected_sessions', async () => {
    h = await harness({ strategy: 'least-loaded' });
    occupy(h.manager, 's0');
    occupy(h.manager, 's1');
    await h.clock.advance(0);
    await loseNetwork('s2');
    const used = await sendSequentially(h, 4);
    expect(used).not.toContain('s2');
  });

  it('test_get_available_session_round_robin_strategy', async () => {
    h = await harness({ strategy: 'least-loaded' });
    h.manager.setLoadBalancingStrategy('round-robin');
    expect(h.manager.getLoadBalancingStrategy()).toBe('round-robin');
    occupy(h.manager, 's0');
    occupy(h.manager, 's0');
    await h.clock.advance(0);
    // Round-robin ignores load: the busy s0 still gets its turn.
    expect((await sendSequentially(h, 3)).sort()).toEqual(['s0', 's1', 's2']);
  });

  it('test_get_available_session_least_loaded_strategy', async () => {
    h = await harness();
    h.manager.setLoadBalancingStrategy('least-loaded');
    expect(h.manager.getLoadBalancingStrategy()).toBe('least-loaded');
    occupy(h.manager, 's0');
    occupy(h.manager, 's1');
    await h.clock.advance(0);
    expect(await sendSequentially(h, 1)).toEqual(['s2']);
  });

  it('test_no_available_sessions_returns_none: with every session disconnected the item waits, then goes out', async () => {
    h = await harness({ sessions: 2 });
    for (const s of ['s0', 's1']) await loseNetwork(s);
    const op = h.manager.sendTextMessagesBulk(['alice_one'], 'x');
    await h.clock.advance(60_000);
    expect(h.telegram.deliveries).toHaveLength(0);
    h.telegram.restoreNetwork('s1');
    const report = await h.settle(op);
    expect(report.results.get('alice_one')).toMatchObject({ success: true, sessionUsed: 's1' });
  });

  it('test_no_available_sessions_returns_none: a fleet of dead sessions rejects with NoLiveSessionError', async () => {
    h = await harness({ sessions: 2 });
    for (const s of ['s0', 's1']) h.telegram.kill(s, 'SESSION_REVOKED');
    const first = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'x'));
    expect(first.results.get('alice_one')?.success).toBe(false);
    await expect(h.settle(h.manager.sendTextMessagesBulk(['bob_twooo'], 'x'))).rejects.toBeInstanceOf(
      NoLiveSessionError,
    );
  });

  it('test_load_balancing_strategy_defaults_to_round_robin', async () => {
    h = await harness();
    expect(h.manager.getLoadBalancingStrategy()).toBe('round-robin');
  });
});
