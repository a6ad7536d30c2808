import { describe, expect, it } from 'vitest';
import { classifyCarried, FailsAs, sleep, track, virtualPool } from './helpers.js';

// Kinds are user strings; the metrics maps must hold any of them as an own key, including the
// names every plain object inherits.
describe.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('a task kind named %s', (kind) => {
  it('is counted in every …ByKind metric', async () => {
    const { clock, pool } = virtualPool<null>({ classify: classifyCarried });
    pool.addWorker({ id: 'w', resource: null });
    const ok = track(pool.submit({ kind, run: () => 'done' }));
    await clock.advance(0);
    const bad = track(
      pool.submit({
        kind,
        run: () => {
          throw new FailsAs({ kind: 'permanent' });
        },
      }),
    );
    await clock.advance(0);
    const long = track(pool.submit({ kind, run: ({ signal }) => sleep(clock, 100, signal) }));
    const waiting = track(pool.submit({ kind, run: () => 'later' }));
    await clock.advance(0);
    expect([ok.ok, bad.ok, long.done, waiting.done]).toEqual([true, false, false, false]);

    const { metrics } = pool.snapshot();
    const own = (byKind: Readonly<Record<string, number>>) =>
      Object.hasOwn(byKind, kind) ? byKind[kind] : 'missing';
    expect({
      completed: own(metrics.completedByKind),
      failed: own(metrics.failedByKind),
      inFlight: own(metrics.inFlightByKind),
      queued: own(metrics.queuedByKind),
    }).toEqual({ completed: 1, failed: 1, inFlight: 1, queued: 1 });
    // The records have no prototype to shadow or pollute, and Object.prototype is untouched.
    expect(Object.getPrototypeOf(metrics.completedByKind)).toBeNull();
    expect(Object.hasOwn(Object.prototype, 'completed')).toBe(false);
    expect(Object.keys(metrics.completedByKind)).toContain(kind);
    await pool.close({ drain: false });
  });
});
