import { MemoryJournal } from '@switchyard/core';
import fc from 'fast-check';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { gramJsSleepsOn } from './gramJsSleep.js';
import { restartedManager, shutdownRestarted } from './restartedManager.js';
import { scriptedHarness } from './scriptedHarness.js';
import type { Fault } from './scriptedTelegram.js';
import { elapse, settle } from './settle.js';

// A campaign on real GramJS clients and the scripted Telegram, under random fault scripts, shut
// down at a random instant and resumed by a new manager on the same journal. Telegram's own
// record of what it delivered is the judge.

type Mode =
  | { kind: 'healthy' }
  | { kind: 'dead' }
  | { kind: 'peer-flood' }
  | { kind: 'flaky'; faults: readonly Fault[] };

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.integer({ min: 0, max: 90 }).map((n) => ({ rpc: `FLOOD_WAIT_${n}` })),
  fc.integer({ min: 1, max: 30 }).map((n) => ({ rpc: `SLOWMODE_WAIT_${n}` })),
  fc.constant({ rpc: 'TIMEOUT', code: 500 }),
  fc.constant({ rpc: 'RPC_CALL_FAIL', code: 500 }),
  // Delivered, but the answer is lost: the outcome is unknown to the sender.
  fc.constant({ rpc: 'TIMEOUT', code: 500, after: true as const }),
  fc.constant({ hang: true as const, after: true }),
);

const modeArb: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'healthy' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'dead' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'peer-flood' as const }) },
  {
    weight: 3,
    arbitrary: fc
      .array(faultArb, { minLength: 1, maxLength: 2 })
      .map((faults) => ({ kind: 'flaky' as const, faults })),
  },
);

// s0 never dies and never loses its capability, so every recipient can always be served.
const fleetArb = fc
  .tuple(
    fc.oneof(
      fc.constant<Mode>({ kind: 'healthy' }),
      modeArb.filter((m) => m.kind === 'flaky'),
    ),
    fc.array(modeArb, { minLength: 1, maxLength: 4 }),
  )
  .map(([first, rest]) => [first, ...rest]);

const recipientsArb = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{4,10}$/), {
  minLength: 1,
  maxLength: 20,
});

afterEach(() => shutdownRestarted());

describe('a campaign under random faults, shut down at a random instant and resumed', () => {
  it('never delivers twice; "sent" was delivered once, "failed" never; nothing is left pending', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleetArb,
        recipientsArb,
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.nat(),
        async (fleet, recipients, delayMs, stopAt, seed) => {
          const journal = new MemoryJournal();
          const names = fleet.map((_, i) => `s${i}`);
          const h = scriptedHarness({
            users: recipients,
            sessions: names,
            seed,
            journal,
            requestTimeoutMs: 30_000,
            retry: { retries: 30, minTimeoutMs: 100, maxTimeoutMs: 5000 },
          });
          const restoreSleep = gramJsSleepsOn(h.clock);
          try {
            await h.ready();
            const modes = new Map(fleet.map((m, i) => [`s${i}`, m]));
            h.telegram.fault = ({ session, request, n }) => {
              if (!(request instanceof Api.messages.SendMessage)) return undefined;
              const mode = modes.get(session)!;
              if (mode.kind === 'dead') return { rpc: 'AUTH_KEY_UNREGISTERED', code: 401 };
              if (mode.kind === 'peer-flood') return { rpc: 'PEER_FLOOD' };
              if (mode.kind === 'flaky') return mode.faults[n - 1];
              return undefined;
            };
            const options = { delayMs, campaign: 'c' };
            const first = h.manager.sendTextMessagesBulk(recipients, 'hello', options);
            await elapse(h.clock, stopAt);
            await h.settle(h.manager.shutdown());
            await h.settle(first).catch(() => undefined);

            const m = await restartedManager(h, journal, names);
            const report = await settle(h.clock, m.sendTextMessagesBulk(recipients, 'hello', options));
            const lostAnswers = fleet.some(
              (mode) => mode.kind === 'flaky' && mode.faults.some((f) => f.after === true),
            );
            for (const r of recipients) {
              const got = h.telegram.deliveriesTo(`user:${h.telegram.user(r)!.id}`).length;
              const result = report.results.get(r);
              expect(got, r).toBeLessThanOrEqual(1);
              expect(['sent', 'failed', 'unknown'], r).toContain(result?.outcome);
              if (result?.outcome === 'sent') expect(got, r).toBe(1);
              if (result?.outcome === 'failed') expect(got, r).toBe(0);
              // Without lost answers every outcome is known, and s0 can always send.
              if (!lostAnswers) expect(result?.outcome, r).toBe('sent');
            }
            expect(await m.campaignStatus('c')).toMatchObject({ total: recipients.length, pending: 0 });
            await settle(h.clock, m.shutdown());
            expect(m.getGlobalTaskCount()).toBe(0);
            expect(m.pool.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
          } finally {
            restoreSleep();
            await shutdownRestarted();
            await h.manager.shutdown();
          }
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
            30_000,
            0,
          ],
        ],
      },
    );
  }, 120_000);
});
