import { describe, expect, it } from 'vitest';
import { main } from '../src/bench/index.js';
import { FULL_PLAN, QUICK_PLAN } from '../src/bench/plan.js';

function io() {
  const streams = { stdout: '', stderr: '' };
  return {
    streams,
    io: {
      stdout: { write: (s: string) => (streams.stdout += s) },
      stderr: { write: (s: string) => (streams.stderr += s) },
    } as unknown as typeof process,
  };
}

describe('pnpm bench command line', () => {
  it('--help lists --quick and runs nothing', async () => {
    const { streams, io: benchIo } = io();
    expect(await main(['--', '--help'], benchIo)).toBe(0);
    expect(streams.stdout).toMatch(/^Usage: pnpm bench -- \[options\]/);
    expect(streams.stdout).toMatch(/--quick +every section and table at a fraction of its size/);
    expect(streams.stderr).toBe('');
  });

  it.each([
    [['--quik'], /switchyard bench: Unknown option '--quik'/],
    [['quick'], /switchyard bench: unexpected argument "quick"/],
  ])('%j exits 2 with the hint to run --help', async (argv, message) => {
    const { streams, io: benchIo } = io();
    expect(await main(argv, benchIo)).toBe(2);
    expect(streams.stderr).toMatch(message);
    expect(streams.stderr).toContain('Run `pnpm bench -- --help` to list every option.');
  });

  it('--quick runs every section of the full run, each smaller', () => {
    expect(QUICK_PLAN.strategyCandidates).toEqual(FULL_PLAN.strategyCandidates);
    expect(QUICK_PLAN.throughput.length).toBeGreaterThan(0);
    expect(QUICK_PLAN.heapDepths.length).toBeGreaterThan(0);
    for (const key of ['idleWorkers', 'journalItems', 'durableItems', 'campaignRecipients'] as const)
      expect(QUICK_PLAN[key], key).toBeLessThan(FULL_PLAN[key]);
    expect(QUICK_PLAN.wallTime.tasks * QUICK_PLAN.wallTime.runs).toBeLessThan(
      FULL_PLAN.wallTime.tasks * FULL_PLAN.wallTime.runs,
    );
  });
});
