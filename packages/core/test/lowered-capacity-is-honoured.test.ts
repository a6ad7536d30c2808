import { describe, expect, it } from 'vitest';
import { sleep, track, virtualPool } from './helpers.js';

describe('updateWorker lowering capacity', () => {
  it('starts nothing on the worker until its in-flight count is below the new capacity', async () => {
    const { clock, pool } = virtualPool<null>();
    pool.addWorker({ id: 'w', resource: null, capacity: 3 });
    const starts: number[] = [];
    let running = 0;
    const tasks = [100, 200, 300, 10, 10, 10].map((ms) =>
      track(
        pool.submit({
          run: async () => {
            starts.push(clock.now());
            running++;
            await sleep(clock, ms);
            running--;
          },
        }),
      ),
    );
    await clock.advance(0);
    expect(running).toBe(3);
    pool.updateWorker('w', { capacity: 1 });
    expect(pool.snapshot().workers[0]).toMatchObject({ capacity: 1, inFlight: 3, state: 'busy' });

    // The runs of 100 and 200 ms end, but two are still running: no slot is free.
    await clock.advance(200);
    expect(running).toBe(1);
    expect(starts).toEqual([0, 0, 0]);
    expect(pool.snapshot().workers[0]).toMatchObject({ inFlight: 1, state: 'busy' });

    // The last one ends at 300: from then on, one at a time.
    await clock.advance(100);
    expect(starts).toEqual([0, 0, 0, 300]);
    await clock.runAll();
    expect(starts).toEqual([0, 0, 0, 300, 310, 320]);
    expect(tasks.every((t) => t.ok)).toBe(true);
    await pool.close();
  });
});
