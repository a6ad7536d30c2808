import { type Candidates, type Strategy, seededRandom, type TaskView, VirtualClock } from '@switchyard/core';
import { adaptive } from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** An arm that always picks a fixed worker (when it is a candidate). */
const fixed = (name: string, id: string): Strategy => ({
  name,
  select: (_t: TaskView, c: Candidates) => c.find((w) => w.id === id) ?? c[0],
});

function setup() {
  const clock = new VirtualClock(0);
  const fleet = new FakeFleet(clock);
  const a = adaptive({ clock, random: seededRandom(5), arms: [fixed('to-a', 'a'), fixed('to-b', 'b')] });
  a.observe?.(fleet.events$);
  fleet.add('a', { capacity: 1_000 });
  fleet.add('b', { capacity: 1_000 });
  const run = (n: number, slow: string) => {
    for (let i = 0; i < n; i++) {
      const t = makeTask();
      const w = a.select(t, fleet.candidates())!;
      fleet.assign(t, w);
      clock.tick(1);
      if (w.id === slow) fleet.fail(t, w.id, 'transient', 500);
      else fleet.succeed(t, w.id, 50);
    }
  };
  return { a, run };
}

describe('adaptive', () => {
  it('learns the better arm, then really switches when outcomes change', () => {
    const { a, run } = setup();
    run(1_000, 'b');
    expect(a.currentArm()).toBe('to-a');
    expect(a.getWeights().get('to-a')!).toBeGreaterThan(0.9);
    run(2_000, 'a');
    expect(a.currentArm()).toBe('to-b');
    expect(a.getWeights().get('to-b')!).toBeGreaterThan(0.9);
  });

  it('keeps its weights summing to 1 whatever the outcomes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ arm: fc.constantFrom('to-a', 'to-b'), ok: fc.boolean(), ms: fc.nat(10_000) })),
        (outcomes) => {
          const { a } = setup();
          for (const o of outcomes) {
            a.reward(o.arm, { success: o.ok, latencyMs: o.ms });
            const sum = [...a.getWeights().values()].reduce((x, y) => x + y, 0);
            expect(sum).toBeCloseTo(1, 12);
          }
        },
      ),
    );
  });

  it('bounds the tasks it remembers', () => {
    const clock = new VirtualClock(0);
    const fleet = new FakeFleet(clock);
    const a = adaptive({ clock, maxPending: 100 });
    a.observe?.(fleet.events$);
    fleet.add('a', { capacity: 1_000_000 });
    for (let i = 0; i < 10_000; i++) a.select(makeTask(), fleet.candidates()); // outcomes never arrive
    // Nothing observable grows: the weights are still a distribution and removal clears arms' state.
    fleet.remove('a');
    expect(a.trackedWorkers()).toEqual([]);
    expect([...a.getWeights().values()].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
  });
});
