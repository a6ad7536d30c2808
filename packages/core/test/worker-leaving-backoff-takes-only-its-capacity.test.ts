import { describe, expect, it } from 'vitest';
import { sleep, track, virtualPool } from './helpers.js';

describe('a worker takes only what it can run', () => {
  it('takes no more queued tasks than its capacity when its backoff ends', async () => {
    const { clock, pool } = virtualPool<null>();
    pool.addWorker({ id: 'w', resource: null, capacity: 2 });
    pool.backoffWorker('w', 1000);
    let running = 0;
    let most = 0;
    const tasks = Array.from({ length: 5 }, () =>
      track(
        pool.submit({
          run: async () => {
            most = Math.max(most, ++running);
            await sleep(clock, 500);
            running--;
          },
        }),
      ),
    );
    await clock.advance(999);
    expect(running).toBe(0);
    await clock.advance(1);
    expect(running).toBe(2);
    expect(pool.snapshot().workers[0]).toMatchObject({ state: 'busy', inFlight: 2 });
    expect(pool.snapshot()).toMatchObject({ inFlight: 2, queued: 3 });
    await clock.runAll();
    expect(tasks.every((t) => t.ok)).toBe(true);
    expect(most).toBe(2);
    expect(pool.snapshot().workers[0]).toMatchObject({ state: 'connected', inFlight: 0 });
    await pool.close();
  });

  it.each([
    ['started at once', 0],
    ['started when its backoff ends', 1000],
  ])('takes no next task once reported dead from inside run (%s)', async (_how, backoffMs) => {
    const { clock, pool } = virtualPool<null>();
    pool.addWorker({ id: 'doomed', resource: null, capacity: 3 });
    if (backoffMs > 0) pool.backoffWorker('doomed', backoffMs);
    const ranOn: string[] = [];
    const first = track(
      pool.submit({
        run: ({ worker }) => {
          ranOn.push(worker);
          pool.reportConnection(worker, 'dead');
          return 'first';
        },
      }),
    );
    const rest = [1, 2].map(() =>
      track(
        pool.submit({
          run: ({ worker }) => {
            ranOn.push(worker);
            return worker;
          },
        }),
      ),
    );
    await clock.advance(backoffMs);
    expect(first.value).toBe('first');
    expect(ranOn).toEqual(['doomed']);
    expect(pool.snapshot().workers[0]).toMatchObject({
      state: 'disconnected',
      substate: 'dead',
      inFlight: 0,
    });
    pool.addWorker({ id: 'healthy', resource: null });
    await clock.runAll();
    expect(rest.map((t) => t.value)).toEqual(['healthy', 'healthy']);
    await pool.close();
  });
});
