// The performance goals Switchyard is held to, checked against what this run measured.
import { contenders } from './contenders.js';
import type { JournalCostRow } from './journal.js';
import type { HeapRow, ThroughputRow, WallTimeRow } from './pool.js';

export interface GoalRow {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

const SY = contenders.switchyard.name;
const PQ = contenders.pQueue.name;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function checkGoals(
  throughput: readonly ThroughputRow[],
  heap: readonly HeapRow[],
  bytesPerWorker: number,
  wall: WallTimeRow,
  journal: readonly JournalCostRow[] = [],
): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const r of throughput) {
    // A shallow queue on a wide fleet is every task paying two worker state changes; a deep
    // queue hands slots straight on, so there Switchyard is expected to keep up with p-queue.
    const target = r.queued === 1_000 && r.workers === 1_000 ? 0.3 : r.queued >= 100_000 ? 1 : undefined;
    if (target === undefined) continue;
    const ratio = (r.tasksPerSec[SY] ?? 0) / (r.tasksPerSec[PQ] ?? 1);
    rows.push({
      goal: `≥ ${target}× p-queue tasks/s, ${fmt(r.workers)} workers × ${fmt(r.queued)} queued`,
      measured: `${ratio.toFixed(2)}×`,
      met: ratio >= target,
    });
  }
  for (const h of heap) {
    const b = h.bytesPerTask[SY] ?? 0;
    rows.push({
      goal: `≤ 600 B heap per queued task (${fmt(h.queued)} queued)`,
      measured: `${fmt(b)} B`,
      met: b <= 600,
    });
  }
  rows.push({
    goal: '≤ 5 KB heap per worker',
    measured: `${(bytesPerWorker / 1024).toFixed(2)} KB`,
    met: bytesPerWorker <= 5 * 1024,
  });
  const slower = (wall.wallMs[SY] ?? 0) / (wall.wallMs[PQ] ?? 1);
  rows.push({
    goal: `1 ms tasks (${fmt(wall.workers)} workers × ${fmt(wall.tasks)}): wall time ≤ 1.1× p-queue's`,
    measured: `${slower.toFixed(2)}×`,
    met: slower <= 1.1,
  });
  for (const j of journal.filter((r) => r.synchronous === 'normal')) {
    rows.push({
      goal: '≤ 50 µs median per journal state change (SQLite, synchronous normal)',
      measured: `${j.medianUs.toFixed(1)} µs`,
      met: j.medianUs <= 50,
    });
  }
  return rows;
}
