import type { VirtualClock } from '@switchyard/core';

/** Run virtual time until `promise` settles (or `limitMs` passes). */
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
  const end = clock.now() + limitMs;
  while (!done && clock.now() < end) {
    await clock.advance(0);
    if (done) break;
    const at = clock.nextTimerAt();
    if (at === undefined) break; // nothing left on virtual time: wait for real I/O below
    if (at > end) {
      await clock.advanceTo(end);
      break;
    }
    await clock.advanceTo(at);
  }
  return p;
}
