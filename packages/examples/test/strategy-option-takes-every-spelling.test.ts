import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDemoOptions } from '../src/demo/options.js';
import { strategyOption, UsageError } from '../src/shared/cli.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('--strategy', () => {
  it('reads every spelling of a name as its one, kebab-case, name', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    for (const spelling of ['p2c-peak-ewma', 'p2cPeakEwma', 'p2c_peak_ewma', 'P2C-PEAK-EWMA'])
      expect(strategyOption({ strategy: spelling }, 'strategy', 'least-loaded'), spelling).toBe(
        'p2c-peak-ewma',
      );
    expect(strategyOption({}, 'strategy', 'least-loaded')).toBe('least-loaded');
    const parsed = parseDemoOptions(['--strategy', 'roundRobin']);
    expect(parsed.help === false && parsed.config.strategy).toBe('round-robin');
  });

  it('refuses an unknown name, suggesting the nearest', () => {
    expect(() => strategyOption({ strategy: 'leest-loaded' }, 'strategy', 'adaptive')).toThrow(
      new UsageError(
        '--strategy: unknown strategy "leest-loaded"; did you mean "least-loaded"? use one of round-robin, smooth-weighted-round-robin, least-loaded, capability-based, performance-based, weighted-response-time, p2c-peak-ewma, consistent-hash, adaptive',
      ),
    );
  });
});
