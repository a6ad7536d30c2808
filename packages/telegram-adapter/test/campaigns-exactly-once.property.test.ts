import { MemoryJournal } from '@switchyard/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { faultsOf, fleetArb, losesAnswers, recipientsArb } from './faultyFleets.js';
import { gramJsSleepsOn } from './gramJsSleep.js';
import { restartedManager, shutdownRestarted } from './restartedManager.js';
import { scriptedHarness } from './scriptedHarness.js';
import { elapse, settle } from './settle.js';

// A campaign on real GramJS clients and the scripted Telegram, under random fault scripts, shut
// down at a random instant and resumed by a new manager on the same journal. Telegram's own
// record of what it delivered is the judge.

afterEach(() => shutdownRestarted());

describe('a campaign under random faults, shut down at a random instant and resumed', () => {
  it('never delivers twice; "sent" was delivered once, "failed" never; nothing is left pending', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleetArb(4),
        recipientsArb(20),
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
            h.telegram.fault = faultsOf(fleet);
            const options = { delayMs, campaign: 'c' };
            const first = h.manager.sendTextMessagesBulk(recipients, 'hello', options);
            await elapse(h.clock, stopAt);
            await h.settle(h.manager.shutdown());
            await h.settle(first).catch(() => undefined);

            const m = await restartedManager(h, journal, names);
            const report = await settle(h.clock, m.sendTextMessagesBulk(recipients, 'hello', options));
            const lostAnswers = losesAnswers(fleet);
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
