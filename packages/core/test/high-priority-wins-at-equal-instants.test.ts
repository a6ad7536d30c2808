import { describe, expect, it } from 'vitest';
import { FailsAs, sleep, track, virtualPool } from './helpers.js';

describe('priority at equal instants', () => {
  it('a paced high-priority task whose pace ends when a low-priority retry is due takes the slot first', async () => {
    const { clock, pool } = virtualPool<null>({
      retry: { retries: 1, minTimeoutMs: 1000, randomize: false },
    });
    pool.addWorker({ id: 'w', resource: null });
    const starts: string[] = [];
    // The low-priority task fails at 0; its retry is due at 1000, its timer set before the pace's.
    const low = track(
      pool.submit({
        priority: 0,
        run: async ({ attempt }) => {
          starts.push(`low#${attempt}@${clock.now()}`);
          if (attempt === 1) throw new FailsAs({ kind: 'transient' });
          await sleep(clock, 5000);
        },
      }),
    );
    const paced = (name: string) =>
      track(
        pool.submit({
          priority: 10,
          pace: { intervalMs: 1000 },
          run: () => {
            starts.push(`${name}@${clock.now()}`);
          },
        }),
      );
    const high1 = paced('high1');
    const high2 = paced('high2'); // waits for the pace until 1000
    await clock.advance(0);
    expect(starts).toEqual(['low#1@0', 'high1@0']);
    await clock.advance(1000);
    expect(starts).toEqual(['low#1@0', 'high1@0', 'high2@1000', 'low#2@1000']);
    await clock.runAll();
    expect([low.ok, high1.ok, high2.ok]).toEqual([true, true, true]);
    await pool.close();
  });
});
