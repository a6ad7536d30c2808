import { describe, expect, it } from 'vitest';
import { withOperationKinds } from '../src/operationKinds.js';
import { scriptedHarness } from './scriptedHarness.js';

const zeros = { scraping: 0, monitoring: 0, sending: 0, other: 0 };

describe('the adapter reports its own operation kinds', () => {
  it('fills the four kinds in with 0 whatever kinds the pool has seen, and keeps any others', () => {
    // The pool reports only the kinds it has seen.
    expect(withOperationKinds({})).toEqual(zeros);
    expect(withOperationKinds({ sending: 2, custom: 1 })).toEqual({ ...zeros, sending: 2, custom: 1 });
  });

  it("the manager's snapshot and metrics list every kind before any work", async () => {
    const h = scriptedHarness();
    await h.ready();
    const { metrics } = h.manager.snapshot().pool;
    for (const byKind of [
      metrics.inFlightByKind,
      metrics.queuedByKind,
      metrics.completedByKind,
      metrics.failedByKind,
    ]) {
      expect(byKind).toEqual(zeros);
    }
    expect(h.manager.getOperationMetrics()).toEqual(zeros);
    await h.manager.shutdown();
    expect(h.clock.pendingTimers()).toBe(0);
  });
});
