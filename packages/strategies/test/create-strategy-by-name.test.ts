import { seededRandom, ValidationError, VirtualClock } from '@switchyard/core';
import {
  createStrategy,
  InvalidStrategyOptionError,
  p2cPeakEwma,
  type StrategyName,
  strategyName,
  strategyNames,
} from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createStrategy', () => {
  it('knows every built-in strategy under its own Strategy.name, and nothing else', () => {
    expect(strategyNames).toEqual([
      'round-robin',
      'smooth-weighted-round-robin',
      'least-loaded',
      'capability-based',
      'performance-based',
      'weighted-response-time',
      'p2c-peak-ewma',
      'consistent-hash',
      'adaptive',
    ]);
    for (const name of strategyNames) expect(createStrategy(name).name).toBe(name);
    expect(Object.isFrozen(strategyNames)).toBe(true);
  });

  it.each([
    ['p2c-peak-ewma', 'p2cPeakEwma', 'p2c_peak_ewma', 'P2C_PEAK_EWMA', 'P2c-Peak-Ewma'],
    ['round-robin', 'roundRobin', 'round_robin', 'RoundRobin', 'ROUND-ROBIN'],
    ['least-loaded', 'leastLoaded', 'least_loaded', 'LEAST_LOADED'],
    ['smooth-weighted-round-robin', 'smoothWeightedRoundRobin', 'smooth_weighted_round_robin'],
    ['weighted-response-time', 'weightedResponseTime', 'weighted_response_time'],
    ['capability-based', 'capabilityBased', 'capability_based'],
    ['performance-based', 'performanceBased', 'performance_based'],
    ['consistent-hash', 'consistentHash', 'consistent_hash'],
    ['adaptive', 'Adaptive', 'ADAPTIVE'],
  ])('reads every spelling of %s as that strategy, and names it so', (name, ...spellings) => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    for (const spelling of [name, ...spellings]) {
      expect(strategyName(spelling), spelling).toBe(name);
      expect(createStrategy(spelling).name, spelling).toBe(name);
    }
  });

  it('points out another spelling once, with the one to write, and the name itself never', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    strategyName('least-loaded');
    createStrategy('least-loaded');
    expect(warn).not.toHaveBeenCalled();
    createStrategy('Least_Loaded');
    createStrategy('Least_Loaded');
    strategyName('Least_Loaded');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'strategy "Least_Loaded" is spelled "least-loaded"; other spellings still work but may be removed',
      { type: 'DeprecationWarning', code: 'SWITCHYARD_STRATEGY_NAME' },
    );
  });

  const refusal = (name: string): ValidationError => {
    try {
      createStrategy(name);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return e as ValidationError;
    }
    throw new Error(`createStrategy(${JSON.stringify(name)}) did not throw`);
  };

  it.each([
    ['p2c-peak-ewa', 'p2c-peak-ewma'],
    ['p2cPeakEmwa', 'p2c-peak-ewma'],
    ['p2c', 'p2c-peak-ewma'],
    ['round-robbin', 'round-robin'],
    ['leastLoad', 'least-loaded'],
    ['least_loded', 'least-loaded'],
    ['consistent-hashing', 'consistent-hash'],
    ['adaptiv', 'adaptive'],
  ])('refuses %j with a ValidationError suggesting %j and listing the known names', (name, near) => {
    const error = refusal(name);
    expect(error.field).toBe('strategy');
    expect(error.reason).toBe(
      `unknown strategy ${JSON.stringify(name)}; did you mean ${JSON.stringify(near)}? use one of ${strategyNames.join(', ')}`,
    );
  });

  it.each(['fastest', 'random', '', 'constructor', '__proto__'])(
    'refuses %j with a ValidationError listing the known names, suggesting none',
    (name) => {
      const error = refusal(name);
      expect(error.field).toBe('strategy');
      expect(error.reason).toBe(
        `unknown strategy ${JSON.stringify(name)}; use one of ${strategyNames.join(', ')}`,
      );
    },
  );

  it('refuses a name that is not a string', () => {
    expect(() => createStrategy(42 as unknown as StrategyName)).toThrow(ValidationError);
  });

  it('checks options as the factory does', () => {
    expect(() => createStrategy('least-loaded', { slowStartMs: -1 })).toThrow(InvalidStrategyOptionError);
    expect(() => createStrategy('adaptive', { tailGuard: -1 })).toThrow(/adaptive: tailGuard/);
    expect(() => createStrategy('p2c-peak-ewma', { decayMs: 0 })).toThrow(/p2cPeakEwma: decayMs/);
  });

  it('passes random and clock through, so a run replays exactly like the factory', () => {
    const picks = (make: () => ReturnType<typeof p2cPeakEwma>) => {
      const clock = new VirtualClock(0);
      const fleet = new FakeFleet(clock);
      for (let i = 0; i < 8; i++) fleet.add(`w${i}`, { capacity: 4 });
      const strategy = make();
      strategy.observe?.(fleet.events$);
      return Array.from({ length: 50 }, () => strategy.select(makeTask(), fleet.candidates())?.id);
    };
    const byName = picks(() => createStrategy('p2c-peak-ewma', { random: seededRandom(7) }));
    expect(byName).toEqual(picks(() => p2cPeakEwma({ random: seededRandom(7) })));
    expect(new Set(byName).size).toBeGreaterThan(1);
  });

  it('returns the factory handle for the strategies that have one', () => {
    expect(createStrategy('adaptive').getWeights().size).toBe(3);
    expect(typeof createStrategy('performance-based').score).toBe('function');
  });
});
