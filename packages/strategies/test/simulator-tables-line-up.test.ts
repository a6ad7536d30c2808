import { formatResults, markdownTable, type SimResult } from '@switchyard/strategies/simulator';
import { describe, expect, it } from 'vitest';

describe('simulator tables', () => {
  it('pad every cell to its column, numbers to the right', () => {
    expect(
      markdownTable(
        ['strategy', 'p99'],
        ['left', 'right'],
        [
          ['round-robin', '208 ms'],
          ['adaptive', '1470 ms'],
        ],
      ),
    ).toBe(
      [
        '| strategy    |     p99 |',
        '| ----------- | ------: |',
        '| round-robin |  208 ms |',
        '| adaptive    | 1470 ms |',
      ].join('\n'),
    );
  });

  it('keep the separator at three dashes for narrow columns, and an empty cell empty', () => {
    expect(markdownTable(['a', 'b'], ['left', 'right'], [['x', '']])).toBe(
      ['| a   |   b |', '| --- | --: |', '| x   |     |'].join('\n'),
    );
  });

  it('formatResults gives one row per result, every line as wide as the header', () => {
    const result = (strategy: string, p99: number): SimResult => ({
      scenario: 'linkerd',
      strategy,
      tasks: 1000,
      p50: 167,
      p99,
      p999: 12_345,
      successRate: 1,
      imbalance: 1.094,
      divertMs: null,
      rateLimitHits: 3,
    });
    const lines = formatResults([result('round-robin', 2000), result('p2c-peak-ewma', 208)]).split('\n');
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toBe(
      '| linkerd  | round-robin   | 167 ms | 2000 ms | 12.3 s | 100.00 % |      1.09 |  never |           3 |',
    );
  });
});
