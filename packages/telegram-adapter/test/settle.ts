import type { VirtualClock } from '@switchyard/core';

/**
 * Turns of the event loop given to real work before virtual time moves on. A request through
 * GramJS (serialising it, the scripted sender's answer, GramJS reading it back, its entity
 * cache, its update dispatch) takes several turns, not only microtasks: jumping to the next
 * timer in the middle of a chain of them would fire an attempt's timeout in virtual time that
 * never really passed.
 */
const TURNS = 10;

/**
 * Waits of 1 ms of real time for real I/O (a file read) while no timer is pending and the
 * promise has not settled: about a second before giving up.
 */
const IO_WAITS = 1000;

/**
 * Run virtual time until `promise` settles (or `limitMs` passes): real work runs first, then
 * the clock jumps to the next timer, and so on. With no timer pending it waits for real I/O.
 * Returns `promise`, still pending if it never settled.
 */
export async function settle<T>(
  clock: VirtualClock,
  promise: PromiseLike<T>,
  limitMs = 24 * 3600_000,
): Promise<T> {
  let done = false;
  const p = Promise.resolve(promise).finally(() => {
    done = true;
  });
  p.catch(() => {});
  await run(clock, () => done, limitMs, IO_WAITS);
  return p;
}

/** Let real work run, then `ms` of virtual time, letting real work run again at every timer on the way. */
export function elapse(clock: VirtualClock, ms = 0): Promise<void> {
  return run(clock, () => false, ms, 0);
}

async function run(
  clock: VirtualClock,
  done: () => boolean,
  limitMs: number,
  ioWaits: number,
): Promise<void> {
  const end = clock.now() + limitMs;
  let waited = 0;
  for (;;) {
    for (let i = 0; i < TURNS && !done(); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await clock.advance(0);
    }
    if (done() || clock.now() >= end) return;
    const at = clock.nextTimerAt();
    if (at === undefined && waited < ioWaits) {
      waited++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    if (at === undefined && ioWaits > 0) return;
    waited = 0;
    await clock.advanceTo(Math.min(at ?? end, end));
  }
}
