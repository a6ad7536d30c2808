import { setTimeout as sleep } from 'node:timers/promises';
import { openQueue } from '@switchyard/bullmq';
import { describe, expect, it } from 'vitest';
import { executions, startNode, stopNode, useTestbed, workItems } from './queueNodes.js';

const bed = useTestbed();

describe('a consumer process killed mid-run', () => {
  it('has its active jobs put back by the stalled-job check and finished by another node', async () => {
    const queue = 'killed';
    const log = bed.log(queue);
    const locks = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
    const doomed = await startNode(
      { url: bed.server.url, queue, node: 'doomed', log, taskMs: 400, ...locks },
      bed.children,
    );
    const producer = await openQueue({ queue, connection: bed.server.url });
    try {
      const op = producer.enqueue(workItems(24), { batchId: 'b' });
      // Let it take a few jobs, then kill it while they run.
      while (executions(log).size < 4) await sleep(20);
      const exited = new Promise((resolve) => doomed.once('exit', resolve));
      doomed.kill('SIGKILL');
      await exited;
      const cutOff = [...executions(log).keys()];
      const survivor = await startNode(
        { url: bed.server.url, queue, node: 'survivor', log, taskMs: 20, ...locks },
        bed.children,
      );
      const report = await op;
      expect(report.summary).toMatchObject({ total: 24, completed: 24, failed: 0 });
      const runs = executions(log);
      expect(runs.size).toBe(24);
      // The jobs it held when killed ran again on the survivor, which saw them taken twice;
      // every other job ran once. (A job whose effect happened before the kill ran twice: see the README.)
      for (const [id, list] of runs) {
        if (cutOff.includes(id)) {
          expect(
            list.map((r) => r.node),
            id,
          ).toEqual(['doomed', 'survivor']);
          expect(list[1]?.taken, id).toBe(2);
        } else
          expect(
            list.map((r) => r.node),
            id,
          ).toEqual(['survivor']);
      }
      expect(await stopNode(survivor)).toBe(0);
    } finally {
      await producer.close();
    }
  }, 60_000);
});

describe('a node whose pool has no ready capacity', () => {
  it('takes nothing while its workers back off: the jobs wait, and another node takes them all', async () => {
    const queue = 'no-room';
    const log = bed.log(queue);
    const idle = await startNode(
      { url: bed.server.url, queue, node: 'idle', log, backoff: true },
      bed.children,
    );
    const producer = await openQueue({ queue, connection: bed.server.url });
    try {
      const op = producer.enqueue(workItems(20), { batchId: 'b' });
      await sleep(1_000);
      expect(executions(log).size).toBe(0);
      expect(await producer.bullQueue.getJobCounts('waiting', 'active')).toEqual({ waiting: 20, active: 0 });
      const busy = await startNode({ url: bed.server.url, queue, node: 'busy', log }, bed.children);
      const report = await op;
      expect(report.summary.completed).toBe(20);
      const runs = executions(log);
      expect(runs.size).toBe(20);
      for (const [id, list] of runs)
        expect(
          list.map((r) => r.node),
          id,
        ).toEqual(['busy']);
      expect(await Promise.all([stopNode(idle), stopNode(busy)])).toEqual([0, 0]);
    } finally {
      await producer.close();
    }
  }, 60_000);
});
