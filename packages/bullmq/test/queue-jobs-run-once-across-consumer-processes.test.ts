import { setTimeout as sleep } from 'node:timers/promises';
import { batchJobId, openQueue } from '@switchyard/bullmq';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { executions, startNode, stopNode, useTestbed, workItems } from './queueNodes.js';

const bed = useTestbed();

describe('a batch on a BullMQ queue served by consumer processes', () => {
  it('runs every job exactly once over three nodes; enqueued again it adds nothing and reports the same; every node stops clean', async () => {
    const queue = 'three-nodes';
    const log = bed.log(queue);
    const nodes = await Promise.all(
      ['a', 'b', 'c'].map((node) => startNode({ url: bed.server.url, queue, node, log }, bed.children)),
    );
    const producer = await openQueue({ queue, connection: bed.server.url });
    try {
      const op = producer.enqueue(workItems(90), { batchId: 'spring' });
      const streamed = lastValueFrom(op.results$.pipe(toArray()));
      const report = await op;
      expect(report.summary).toEqual({ total: 90, completed: 90, failed: 0, byError: {} });
      expect((await streamed).length).toBe(90);
      const runs = executions(log);
      expect(runs.size).toBe(90);
      for (const [id, list] of runs) expect(list, id).toHaveLength(1);
      // The work was spread: every node ran some, and each result names the node that ran it.
      const byNode = new Map<string, number>();
      for (const r of report.results.values()) {
        expect(r.status).toBe('fulfilled');
        if (r.status !== 'fulfilled') continue;
        const node = (r.value as { node: string }).node;
        expect(runs.get(r.jobId)?.[0]?.node).toBe(node);
        byNode.set(node, (byNode.get(node) ?? 0) + 1);
      }
      expect([...byNode.keys()].sort()).toEqual(['a', 'b', 'c']);
      expect(report.results.get('item-7')?.jobId).toBe(batchJobId('spring', 'item-7'));

      // The same batch again: nothing is added or run, and it resolves from the finished jobs.
      const again = await producer.enqueue(workItems(90), { batchId: 'spring' });
      expect(again.summary.completed).toBe(90);
      expect(again.results.get('item-3')).toEqual(report.results.get('item-3'));
      await sleep(300);
      expect([...executions(log).values()].every((l) => l.length === 1)).toBe(true);
      expect(await producer.bullQueue.getJobCountByTypes('waiting', 'active', 'delayed')).toBe(0);
    } finally {
      await producer.close();
    }
    // Each node closes its consumer and pool, and then its process ends by itself.
    expect(await Promise.all(nodes.map(stopNode))).toEqual([0, 0, 0]);
  }, 60_000);
});
