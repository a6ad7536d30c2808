import type { SimResult } from '@switchyard/strategies/simulator';
import { describe, expect, it } from 'vitest';
import { percentileChart } from '../src/simulate/chart.js';

const result = (scenario: string, strategy: string, p50: number): SimResult => ({
  scenario,
  strategy,
  tasks: 100,
  p50,
  p99: p50 * 4,
  p999: p50 * 9,
  successRate: 1,
  imbalance: 1.2,
  rateLimitHits: 0,
});

describe('pnpm simulate chart', () => {
  it('draws one panel per scenario and three percentile bars per strategy', () => {
    const svg = percentileChart(
      [
        result('linkerd', 'round-robin', 20),
        result('linkerd', 'p2c-peak-ewma', 8),
        result('herding', 'adaptive', 100),
      ],
      'test <chart>',
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect([...svg.matchAll(/data-scenario="([^"]+)"/g)].map((m) => m[1])).toEqual(['linkerd', 'herding']);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(9);
    expect(svg).toContain('test &lt;chart&gt;');
    expect(svg).toContain('8 ms / 32 ms / 72 ms');
  });
});
