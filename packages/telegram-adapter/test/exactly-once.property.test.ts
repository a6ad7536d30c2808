import fc from 'fast-check';
import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { faultsOf, fleetArb, recipientsArb } from './faultyFleets.js';
import { gramJsSleepsOn } from './gramJsSleep.js';
import { scriptedHarness } from './scriptedHarness.js';
import type { ScriptedTelegram } from './scriptedTelegram.js';

// Real GramJS clients on the scripted Telegram. A fault answers one request as it reaches
// Telegram; GramJS's own invoke reacts to it first (see faultyFleets.ts), so a fault script is
// met by GramJS and the adapter together, as in production.

/** A fleet on the scripted Telegram where every recipient exists, its GramJS sleeps on virtual time. */
async function harness(recipients: readonly string[], options: Parameters<typeof scriptedHarness>[0]) {
  const h = scriptedHarness({ users: recipients, ...options });
  const restoreSleep = gramJsSleepsOn(h.clock);
  await h.ready().catch((error: unknown) => {
    restoreSleep();
    throw error;
  });
  return { ...h, restoreSleep };
}

const peerOf = (telegram: ScriptedTelegram, username: string) => `user:${telegram.user(username)!.id}`;

describe('bulk sends under random fleets and fault scripts', () => {
  it('every valid recipient gets exactly one message; no session gets work while backing off or dead; counters return to zero', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleetArb(5),
        recipientsArb(25),
        fc.integer({ min: 0, max: 3000 }),
        fc.nat(),
        async (fleet, recipients, delayMs, seed) => {
          const h = await harness(recipients, {
            sessions: fleet.length,
            seed,
            requestTimeoutMs: 30_000,
            retry: { retries: 30, minTimeoutMs: 100, maxTimeoutMs: 5000 },
          });
          h.telegram.fault = faultsOf(fleet);
          const state = new Map<string, string>();
          const violations: string[] = [];
          h.manager.pool.events$.subscribe((e) => {
            if (e.type === 'worker-state') state.set(e.worker, e.to);
            if (e.type === 'task-assigned') {
              const s = state.get(e.worker) ?? 'connected';
              if (s === 'backoff' || s === 'disconnected')
                violations.push(`${e.worker} got task ${e.task} while ${s}`);
            }
          });
          const report = await h
            .settle(h.manager.sendTextMessagesBulk([...recipients, 'x'], 'hello', { delayMs }))
            .finally(h.restoreSleep);
          expect(violations).toEqual([]);
          expect(report.results.get('x')?.outcome).toBe('skipped');
          for (const r of recipients) {
            const peer = peerOf(h.telegram, r);
            expect(h.telegram.deliveriesTo(peer), r).toHaveLength(1);
            expect(report.results.get(r)?.success, r).toBe(true);
          }
          expect(report.summary.sent).toBe(recipients.length);
          await h.manager.shutdown();
          expect(h.manager.getOperationMetrics()).toEqual({
            scraping: 0,
            monitoring: 0,
            sending: 0,
            other: 0,
          });
          expect(h.manager.getGlobalTaskCount()).toBe(0);
          const snap = h.manager.pool.snapshot();
          expect(snap.inFlight).toBe(0);
          expect(snap.queued).toBe(0);
          expect(h.clock.pendingTimers()).toBe(0);
        },
      ),
      {
        numRuns: 60,
        examples: [
          // A send retried on a session that was declared dead while it was resolving the peer.
          [
            [{ kind: 'healthy' }, { kind: 'dead' }, { kind: 'dead' }, { kind: 'healthy' }],
            ['a0aaa', 'aa0aa', 'aaaa0', 'aaa0a', 'aaa0b'],
            0,
            0,
          ],
        ],
      },
    );
  }, 60_000);

  it('never delivers twice even when sessions die right after an unknown outcome', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }),
        recipientsArb(25),
        fc.nat(),
        async (n, recipients, seed) => {
          const h = await harness(recipients, {
            sessions: n,
            seed,
            retry: { retries: 5, minTimeoutMs: 100, maxTimeoutMs: 1000 },
          });
          // s1's first send of each peer is delivered but the answer is lost; its retry finds it dead.
          h.telegram.fault = ({ session, request, n: k }) => {
            if (!(request instanceof Api.messages.SendMessage) || session !== 's1') return undefined;
            return k === 1
              ? { rpc: 'TIMEOUT', code: 500, after: true }
              : { rpc: 'SESSION_REVOKED', code: 401 };
          };
          const report = await h
            .settle(h.manager.sendTextMessagesBulk(recipients, 'hello'))
            .finally(h.restoreSleep);
          for (const r of recipients) {
            const got = h.telegram.deliveriesTo(peerOf(h.telegram, r)).length;
            expect(got).toBeLessThanOrEqual(1);
            if (report.results.get(r)?.success) expect(got).toBe(1);
          }
          await h.manager.shutdown();
          expect(h.clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
