import type { VirtualClock } from '@switchyard/core';

/**
 * Like the harness's `settle`, but moves virtual time on only once nothing has happened for a
 * few turns of the event loop: a long run of requests through GramJS (a scrape of many pages)
 * takes more than a burst of microtasks per request, and jumping to the next timer in the
 * middle of one would fire the attempt's timeout in virtual time that never really passed.
 */
export async function settleWhenIdle<T>(
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
    for (let i = 0; i < 10 && !done; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await clock.advance(0);
    }
    if (done) break;
    const at = clock.nextTimerAt();
    if (at === undefined) break;
    await clock.advanceTo(Math.min(at, end));
  }
  return p;
}
