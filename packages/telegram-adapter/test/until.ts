import { setTimeout as sleep } from 'node:timers/promises';

/** Wait, on real time (Redis answers on it), until `done()` holds. */
export async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(5);
  }
}
