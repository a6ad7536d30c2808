import { createPool, type Strategy, VirtualClock, type WorkerView } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { rotating, track } from './helpers.js';

describe('a strategy returning a worker of another pool', () => {
  it('never runs the task there nor hands it that pool’s resource', async () => {
    const clock = new VirtualClock();
    const other = createPool<string>({ strategy: rotating(), clock });
    other.addWorker({ id: 'theirs', resource: 'their resource' });
    const foreign = other.getWorker('theirs')!;
    const offered: string[][] = [];
    const meddling: Strategy = {
      name: 'meddling',
      select: (_task, candidates): WorkerView => {
        offered.push(candidates.map((w) => w.id));
        return foreign;
      },
    };
    const pool = createPool<string>({ strategy: meddling, clock });
    pool.addWorker({ id: 'ours', resource: 'our resource' });
    const runs: { worker: string; resource: string }[] = [];
    const t = track(
      pool.submit({
        run: ({ worker, resource }) => {
          runs.push({ worker, resource });
          return resource;
        },
      }),
    );
    await clock.advance(0);
    expect(offered.length).toBeGreaterThan(0);
    // Falling back to one of its own candidates, or leaving the task queued, are both fine.
    expect(runs.filter((r) => r.worker !== 'ours' || r.resource !== 'our resource')).toEqual([]);
    expect(other.snapshot().workers[0]).toMatchObject({ id: 'theirs', inFlight: 0, state: 'connected' });
    expect(other.snapshot().metrics.submitted).toBe(0);
    if (t.done) expect(t.value).toBe('our resource');
    await pool.close({ drain: false });
    await other.close();
  });
});
