import { seededRandom, VirtualClock } from '@switchyard/core';
import { weightedResponseTime } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

describe('weightedResponseTime on a cold start', () => {
  it('probes workers with no samples and gives them a fair share until they have samples', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const wrt = weightedResponseTime({ clock, random: seededRandom(3) });
    wrt.observe?.(fleet.events$);
    for (let i = 0; i < 4; i++) fleet.add(`w${i}`, { capacity: 100 });
    clock.tick(60_000); // slow start over: only the missing samples matter
    const counts = new Map<string, number>();
    // 40 picks within 40 ms, each answered in 10 ms (faster than the 100 ms assumed by default).
    for (let i = 0; i < 40; i++) {
      const task = makeTask();
      const w = wrt.select(task, fleet.candidates())!;
      counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
      fleet.assign(task, w);
      fleet.succeed(task, w.id, 10);
      clock.tick(1);
    }
    // Fair share is 10 each. Priced at the default latency, a worker not yet picked stayed at 0 of 40.
    for (const id of ['w0', 'w1', 'w2', 'w3']) {
      expect(counts.get(id) ?? 0).toBeGreaterThanOrEqual(4);
      expect(counts.get(id) ?? 0).toBeLessThanOrEqual(20);
    }
  });
});
