import { seededRandom, ValidationError, VirtualClock } from '@switchyard/core';
import {
  createStrategy,
  InvalidStrategyOptionError,
  p2cPeakEwma,
  type StrategyName,
  strategyNames,
} from '@switchyard/strategies';
import { FakeFleet, makeTask } from '@switchyard/strategies/testing';
import { describe, expect, it } from 'vitest';

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

  it('reads _ as -, so the seed names work', () => {
    expect(createStrategy('round_robin').name).toBe('round-robin');
    expect(createStrategy('least_loaded').name).toBe('least-loaded');
    expect(createStrategy('p2c_peak_ewma').name).toBe('p2c-peak-ewma');
    expect(createStrategy('weighted_response_time').name).toBe('weighted-response-time');
  });

  it.each(['fastest', 'roundRobin', 'Round-Robin', '', 'constructor', '__proto__'])(
    'refuses %j with a ValidationError listing the known names',
    (name) => {
      const error = (() => {
        try {
          createStrategy(name);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('strategy');
      expect((error as ValidationError).reason).toBe(
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
