import pRetry from 'p-retry';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryWait as retryDelay } from '../src/pool/outcome.js';

/** The delays p-retry itself sleeps between attempts, read off its setTimeout calls. */
async function pRetryDelays(options: Parameters<typeof pRetry>[1], failures: number): Promise<number[]> {
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return real(fn, 0);
  }) as typeof setTimeout);
  let n = 0;
  await pRetry(() => {
    n++;
    if (n <= failures) throw new Error('again');
    return 'ok';
  }, options);
  return delays;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('transient retry delays', () => {
  it("match p-retry's schedule for the same options", async () => {
    const options = { retries: 6, minTimeout: 100, maxTimeout: 2000, factor: 3, randomize: false };
    const theirs = await pRetryDelays(options, 6);
    const ours = [1, 2, 3, 4, 5, 6].map((n) =>
      retryDelay(
        n,
        {
          retries: 6,
          minTimeoutMs: 100,
          maxTimeoutMs: 2000,
          factor: 3,
          randomize: false,
          maxRateLimitWaitMs: 0,
        },
        () => 0,
      ),
    );
    expect(theirs).toEqual([100, 300, 900, 2000, 2000, 2000]);
    expect(ours).toEqual(theirs);
  });

  it("match p-retry's randomized schedule given the same random numbers", async () => {
    const draws = [0.1, 0.7, 0.3, 0.95];
    let i = 0;
    vi.spyOn(Math, 'random').mockImplementation(() => draws[i++ % draws.length]!);
    const theirs = await pRetryDelays({ retries: 4, minTimeout: 1000, factor: 2, randomize: true }, 4);
    let j = 0;
    const ours = [1, 2, 3, 4].map((n) =>
      retryDelay(
        n,
        {
          retries: 4,
          minTimeoutMs: 1000,
          maxTimeoutMs: Number.POSITIVE_INFINITY,
          factor: 2,
          randomize: true,
          maxRateLimitWaitMs: 0,
        },
        () => draws[j++ % draws.length]!,
      ),
    );
    expect(ours).toEqual(theirs);
  });
});
