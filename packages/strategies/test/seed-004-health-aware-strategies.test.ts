// Seed 004's health-aware strategies: round-robin, least connections, weighted response time
// and adaptive switching, all filtering unhealthy instances.
import { seededRandom } from '@switchyard/core';
import {
  AdaptiveHealthStrategy,
  HealthRoundRobinStrategy,
  LeastConnectionsStrategy,
  type ServiceInstance,
  WeightedResponseTimeStrategy,
} from '@switchyard/strategies';
import { describe, expect, it } from 'vitest';

const instances = (): ServiceInstance[] => [
  { id: 'a', health: { healthy: true, healthScore: 1 } },
  { id: 'b', health: { healthy: false } },
  { id: 'c', health: { healthy: true, healthScore: 0.9 } },
  { id: 'd', health: { healthy: true, healthScore: 0.2 } },
  { id: 'e' },
];

describe('seed 004: health-aware strategies', () => {
  it('round-robin rotates over healthy instances only, and survives instances leaving', () => {
    const rr = new HealthRoundRobinStrategy();
    const picks = Array.from({ length: 6 }, () => rr.selectInstance(instances())!.id);
    expect(picks).toEqual(['a', 'c', 'e', 'a', 'c', 'e']);
    const without = instances().filter((i) => i.id !== 'a');
    expect(rr.selectInstance(without)!.id).toBe('c');
    expect(rr.getStats()).toMatchObject({ activeInstances: 4, healthyInstances: 2 });
  });

  it('least connections counts a connection at selection and releases it on a result', () => {
    const lc = new LeastConnectionsStrategy();
    const picks = Array.from({ length: 6 }, () => lc.selectInstance(instances())!.id);
    expect(picks.sort()).toEqual(['a', 'a', 'c', 'c', 'e', 'e']);
    lc.recordResult('c', { latencyMs: 10, success: true });
    expect(lc.selectInstance(instances())!.id).toBe('c');
    lc.forget('a');
    expect(lc.activeConnections('a')).toBe(0);
  });

  it('least connections drops connections of instances that left (bounded memory)', () => {
    const lc = new LeastConnectionsStrategy();
    for (let i = 0; i < 1_000; i++) lc.selectInstance([{ id: `gone-${i}` }]);
    lc.selectInstance([{ id: 'only' }]);
    expect(lc.trackedInstances()).toBeLessThanOrEqual(20);
  });

  it('weighted response time favours fast instances and does not flood unknown ones', () => {
    let now = 0;
    const wrt = new WeightedResponseTimeStrategy({ random: seededRandom(1), now: () => now });
    for (let i = 0; i < 20; i++) {
      now += 100;
      wrt.recordResult('a', { latencyMs: 50, success: true });
      wrt.recordResult('c', { latencyMs: 400, success: true });
    }
    const counts = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) {
      const id = wrt.selectInstance(instances())!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.get('a')!).toBeGreaterThan(counts.get('c')! * 10);
    expect(counts.get('e')!).toBeLessThan(counts.get('a')!); // unknown: assumed average, not free
    expect(counts.has('b')).toBe(false);
  });

  it('weighted response time charges failures as latency', () => {
    const wrt = new WeightedResponseTimeStrategy({ random: seededRandom(2), now: () => 0 });
    wrt.recordResult('a', { latencyMs: 1, success: false });
    wrt.recordResult('c', { latencyMs: 100, success: true });
    expect(wrt.responseTime('a')!).toBeGreaterThan(wrt.responseTime('c')!);
  });

  it('adaptive switches to the arm that gives better results', () => {
    const ad = new AdaptiveHealthStrategy({ random: seededRandom(3) });
    const before = ad.getWeights();
    for (let i = 0; i < 2_000; i++) {
      const inst = ad.selectInstance(instances())!;
      // Instance e is slow and failing; an arm that avoids it wins.
      ad.recordResult(inst.id, { latencyMs: inst.id === 'e' ? 2_000 : 50, success: inst.id !== 'e' });
    }
    const after = ad.getWeights();
    expect([...after.values()].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(after.get('round-robin')!).toBeLessThan(before.get('round-robin')!);
    expect(ad.currentStrategy()).not.toBe('round-robin');
  });

  it('returns undefined when no instance is healthy', () => {
    for (const s of [
      new HealthRoundRobinStrategy(),
      new LeastConnectionsStrategy(),
      new WeightedResponseTimeStrategy(),
      new AdaptiveHealthStrategy(),
    ]) {
      expect(s.selectInstance([{ id: 'x', health: { healthy: false } }])).toBeUndefined();
    }
  });
});
