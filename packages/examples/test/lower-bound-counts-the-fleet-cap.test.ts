import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makespanLowerBound, type SessionCapacity } from '../src/demo/lowerBound.js';

/** Sends the fleet could make by `t`, summed in 1 ms steps: the definition, done the slow way. */
function sendsBy(sessions: readonly SessionCapacity[], cap: number, t: number): number {
  let sent = 0;
  for (let at = 0; at < t; at++)
    sent += Math.min(
      cap,
      sessions.reduce((n, s) => (s.usableUntil > at ? n + s.ratePerMs : n), 0),
    );
  return sent;
}

const session = fc.record({
  ratePerMs: fc.integer({ min: 1, max: 50 }).map((n) => n / 1000),
  usableUntil: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 4_000 })),
});

describe('the demo lower bound', () => {
  it('is the time 200 sessions need at the fleet cap, not at their own summed rate', () => {
    // 200 sessions pacing one send per 2 s could make 100 sends/s; the fleet cap is 30/s.
    const sessions = Array.from({ length: 200 }, () => ({
      ratePerMs: 1 / 2000,
      usableUntil: Number.POSITIVE_INFINITY,
    }));
    expect(makespanLowerBound(sessions, 6_000)).toBeCloseTo(60_000, 6);
    expect(makespanLowerBound(sessions, 6_000, 30 / 1000)).toBeCloseTo(200_000, 6);
  });

  it('counts a session only while it is usable', () => {
    const sessions = [
      { ratePerMs: 1 / 100, usableUntil: 1_000 },
      { ratePerMs: 1 / 100, usableUntil: Number.POSITIVE_INFINITY },
    ];
    // 20 sends in the first second, then 10 per second.
    expect(makespanLowerBound(sessions, 30)).toBeCloseTo(2_000, 6);
    expect(makespanLowerBound(sessions, 30, 1 / 200)).toBeCloseTo(6_000, 6);
    expect(makespanLowerBound([{ ratePerMs: 1, usableUntil: 10 }], 11)).toBe(Number.POSITIVE_INFINITY);
  });

  it('matches the definition summed step by step', () => {
    fc.assert(
      fc.property(
        fc.array(session, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 60 }),
        fc.option(fc.integer({ min: 1, max: 80 }).map((n) => n / 1000)),
        (sessions, messages, capOrNull) => {
          const cap = capOrNull ?? Number.POSITIVE_INFINITY;
          const t = makespanLowerBound(sessions, messages, cap);
          if (t === Number.POSITIVE_INFINITY) {
            expect(sendsBy(sessions, cap, 4_001)).toBeLessThan(messages + 1e-9);
            return;
          }
          // Whole milliseconds around t: short of `messages` just before, there just after.
          expect(sendsBy(sessions, cap, Math.floor(t))).toBeLessThan(messages + 1e-9);
          expect(sendsBy(sessions, cap, Math.ceil(t) + 1)).toBeGreaterThanOrEqual(messages - 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
