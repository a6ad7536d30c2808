import { open } from 'node:fs/promises';
import { VirtualClock } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { mediaFile, png } from './mediaFiles.js';
import { elapse, settle } from './settle.js';

/** `turns` turns of the event loop, as a request through GramJS takes, then `value`. */
async function afterTurns<T>(turns: number, value: T): Promise<T> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  return value;
}

/** Whichever comes first: `work`, or a timeout after `ms` of virtual time. */
function withTimeout<T>(clock: VirtualClock, work: Promise<T>, ms: number): Promise<T | 'timed out'> {
  return Promise.race([
    work,
    new Promise<'timed out'>((resolve) => clock.setTimeout(() => resolve('timed out'), ms)),
  ]);
}

describe('settle', () => {
  it('lets a chain of real turns finish before it fires a pending timeout', async () => {
    const clock = new VirtualClock(0);
    const result = await settle(clock, withTimeout(clock, afterTurns(5, 'answered'), 30_000));
    expect(result).toBe('answered');
    expect(clock.now()).toBe(0);
  });

  it('still fires the timeout when the work never finishes', async () => {
    const clock = new VirtualClock(0);
    const result = await settle(clock, withTimeout(clock, new Promise<string>(() => {}), 30_000));
    expect(result).toBe('timed out');
    expect(clock.now()).toBe(30_000);
  });

  it('waits for real file reads while no timer is pending, then runs the virtual time that follows them', async () => {
    const clock = new VirtualClock(0);
    const path = await mediaFile('photo.png', png(256 * 1024));
    // Read in 1 KB parts, one after another, as an upload does: far more turns of the event
    // loop than settle gives real work before it looks at the timers.
    const readThenWait = async () => {
      const file = await open(path);
      let total = 0;
      try {
        for (;;) {
          const { bytesRead } = await file.read(Buffer.alloc(1024), 0, 1024, total);
          if (bytesRead === 0) break;
          total += bytesRead;
        }
      } finally {
        await file.close();
      }
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 5000));
      return total;
    };
    expect(await settle(clock, readThenWait())).toBe(256 * 1024);
    expect(clock.now()).toBe(5000);
  });

  it('stops at limitMs of virtual time', async () => {
    const clock = new VirtualClock(0);
    const late = settle(
      clock,
      new Promise((resolve) => clock.setTimeout(() => resolve('late'), 10_000)),
      1000,
    );
    let settled = false;
    void late.then(() => {
      settled = true;
    });
    await afterTurns(50, undefined);
    expect(clock.now()).toBe(1000);
    expect(settled).toBe(false);
  });
});

describe('elapse', () => {
  it('moves virtual time by exactly ms, firing the timers on the way and letting real work run after each', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => void afterTurns(3, 'at 500').then((s) => seen.push(s)), 500);
    clock.setTimeout(() => seen.push('at 3000'), 3000);
    await elapse(clock, 2000);
    expect(clock.now()).toBe(2000);
    expect(seen).toEqual(['at 500']);
  });

  it('with no ms, runs real work without moving virtual time', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    void afterTurns(5, 'done').then((s) => seen.push(s));
    clock.setTimeout(() => seen.push('later'), 1);
    await elapse(clock);
    expect(seen).toEqual(['done']);
    expect(clock.now()).toBe(0);
  });
});
