// Every documented example of seed 003 (the LoadBalancer integration guide), as written,
// with imports renamed to @switchyard/strategies.
import {
  AdaptiveStrategy,
  type BalancingStrategy,
  CapabilityBasedStrategy,
  LeastLoadedStrategy,
  LoadBalancer,
  PerformanceBasedStrategy,
  RoundRobinStrategy,
  type TaskRequirements,
  type WorkerInfo,
} from '@switchyard/strategies';
import { describe, expect, it } from 'vitest';

function fleet(): WorkerInfo[] {
  const spec: [string, string[], number, number][] = [
    ['worker-1', ['typescript', 'testing', 'backend'], 10, 2],
    ['worker-2', ['frontend', 'react', 'database'], 10, 5],
    ['worker-3', ['typescript', 'testing'], 10, 1],
    ['worker-4', ['database', 'postgresql', 'optimization', 'typescript'], 10, 3],
    ['worker-5', ['typescript', 'tensorflow', 'gpu', 'testing'], 8, 0],
  ];
  return spec.map(([id, caps, maxCapacity, currentLoad], i) => ({
    id,
    capabilities: new Set(caps),
    maxCapacity,
    currentLoad,
    status: 'idle',
    metrics: { tasksCompleted: 10 + i, tasksFailed: i, averageTaskDuration: 1000 * (i + 1) },
  }));
}

describe('seed 003: quick start', () => {
  it('assigns a typescript+testing task to a capable worker', () => {
    const loadBalancer = new LoadBalancer(new AdaptiveStrategy());
    const workers = fleet();
    const task = {
      capabilities: ['typescript', 'testing'],
      complexity: 7,
      priority: 8,
      taskType: 'test-generation',
    };
    const worker = loadBalancer.selectWorker(task, workers);
    expect(worker).not.toBeNull();
    expect(['worker-1', 'worker-3', 'worker-5']).toContain(worker!.id);
  });

  it('returns null when no worker is capable', () => {
    const loadBalancer = new LoadBalancer(new AdaptiveStrategy());
    expect(
      loadBalancer.selectWorker({ capabilities: ['cobol'], complexity: 1, priority: 1 }, fleet()),
    ).toBeNull();
  });
});

describe('seed 003: balancing strategies', () => {
  it('round robin distributes evenly in rotation', () => {
    const loadBalancer = new LoadBalancer(new RoundRobinStrategy());
    const workers = fleet();
    const taskQueue = Array.from({ length: 10 }, () => ({ capabilities: [], complexity: 1, priority: 1 }));
    const assigned: string[] = [];
    for (const task of taskQueue) {
      const worker = loadBalancer.selectWorker(task, workers);
      assigned.push(worker!.id);
    }
    expect(assigned).toEqual([...workers, ...workers].map((w) => w.id));
  });

  it('least loaded picks the least busy worker (relative load)', () => {
    const loadBalancer = new LoadBalancer(new LeastLoadedStrategy());
    const worker = loadBalancer.selectWorker({ capabilities: [], complexity: 1, priority: 1 }, fleet());
    expect(worker!.id).toBe('worker-5');
  });

  it('capability based picks the best match', () => {
    const loadBalancer = new LoadBalancer(new CapabilityBasedStrategy());
    const task = { capabilities: ['database', 'postgresql', 'optimization'], complexity: 8, priority: 9 };
    expect(loadBalancer.selectWorker(task, fleet())!.id).toBe('worker-4');
  });

  it('performance based picks a high performer', () => {
    const loadBalancer = new LoadBalancer(new PerformanceBasedStrategy());
    const workers = fleet();
    workers[1]!.metrics = { tasksCompleted: 1, tasksFailed: 9, averageTaskDuration: 9000 };
    const worker = loadBalancer.selectWorker({ capabilities: [], complexity: 1, priority: 1 }, workers);
    expect(worker!.id).not.toBe('worker-2');
    expect(worker!.id).toBe('worker-1');
  });

  it('adaptive learns from updateContext and its weights sum to 1', () => {
    const adaptive = new AdaptiveStrategy();
    const loadBalancer = new LoadBalancer(adaptive);
    const workers = fleet();
    const task = { capabilities: ['typescript'], complexity: 5, priority: 5, taskType: 'code-generation' };
    const before = new Map(adaptive.getWeights());
    for (let i = 0; i < 200; i++) {
      const worker = loadBalancer.selectWorker(task, workers)!;
      // worker-3 is the bad one: slow and failing; everything else is quick.
      loadBalancer.updateContext(
        worker.id,
        task.taskType,
        worker.id !== 'worker-3',
        worker.id === 'worker-3' ? 9000 : 500,
      );
    }
    const weights = adaptive.getWeights();
    const sum = [...weights.values()].reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 12);
    expect(Object.fromEntries(weights)).not.toEqual(Object.fromEntries(before));
    // Round-robin keeps sending to worker-3; the learned weights move away from it.
    expect(weights.get('round-robin')!).toBeLessThan(before.get('round-robin')!);
  });
});

describe('seed 003: affinity', () => {
  it('prefers affinity workers (soft)', () => {
    const loadBalancer = new LoadBalancer(new LeastLoadedStrategy());
    const task = {
      capabilities: ['typescript'],
      complexity: 5,
      priority: 7,
      taskType: 'code-generation',
      affinity: ['worker-3', 'worker-5'],
    };
    expect(['worker-3', 'worker-5']).toContain(loadBalancer.selectWorker(task, fleet())!.id);
    const workers = fleet().map((w) =>
      w.id === 'worker-3' || w.id === 'worker-5' ? { ...w, status: 'offline' } : w,
    );
    expect(loadBalancer.selectWorker(task, workers)).not.toBeNull();
  });

  it('never assigns to an anti-affinity worker (hard)', () => {
    const loadBalancer = new LoadBalancer();
    const task = { capabilities: ['database'], complexity: 8, priority: 9, antiAffinity: ['worker-2'] };
    for (let i = 0; i < 50; i++) expect(loadBalancer.selectWorker(task, fleet())?.id).not.toBe('worker-2');
  });

  it('uses context-based affinity rules', () => {
    const context = {
      taskHistory: new Map([
        ['worker-1', ['typescript', 'testing', 'typescript']],
        ['worker-2', ['frontend', 'react', 'frontend']],
      ]),
      affinityRules: new Map([
        ['typescript', ['worker-1', 'worker-4']],
        ['frontend', ['worker-2']],
      ]),
    };
    const loadBalancer = new LoadBalancer(new AdaptiveStrategy(), context);
    for (let i = 0; i < 20; i++) {
      const w = loadBalancer.selectWorker(
        { capabilities: ['typescript'], complexity: 3, priority: 5 },
        fleet(),
      );
      expect(['worker-1', 'worker-4']).toContain(w!.id);
    }
  });
});

describe('seed 003: scoring and rebalancing', () => {
  it('scores every worker with a breakdown', () => {
    const loadBalancer = new LoadBalancer();
    const task = { capabilities: ['typescript', 'testing'], complexity: 6, priority: 8 };
    const scores = loadBalancer.scoreWorkers(task, fleet());
    expect(scores).toHaveLength(5);
    scores.forEach(({ worker, score, breakdown }) => {
      expect(typeof worker.id).toBe('string');
      expect(Number.isFinite(score)).toBe(true);
      for (const v of [
        breakdown.capacityScore,
        breakdown.performanceScore,
        breakdown.affinityScore,
        breakdown.reliabilityScore,
      ]) {
        expect(v.toFixed(3)).toMatch(/^\d\.\d{3}$/);
      }
    });
    expect(scores.map((s) => s.score)).toEqual([...scores.map((s) => s.score)].sort((a, b) => b - a));
  });

  it('detectOverload spreads recommendations over several targets', () => {
    const loadBalancer = new LoadBalancer();
    const workers: WorkerInfo[] = [
      { id: 'hot-1', capabilities: new Set(), maxCapacity: 10, currentLoad: 10 },
      { id: 'hot-2', capabilities: new Set(), maxCapacity: 10, currentLoad: 9 },
      { id: 'cold-1', capabilities: new Set(), maxCapacity: 10, currentLoad: 0 },
      { id: 'cold-2', capabilities: new Set(), maxCapacity: 10, currentLoad: 1 },
      { id: 'cold-3', capabilities: new Set(), maxCapacity: 10, currentLoad: 2 },
      { id: 'zero', capabilities: new Set(), maxCapacity: 0, currentLoad: 0 },
    ];
    const recommendations = loadBalancer.detectOverload(workers);
    recommendations.forEach((rec) => {
      expect(rec.reason).toContain(rec.fromWorker);
      expect(rec.priority).toBeGreaterThanOrEqual(1);
      expect(rec.priority).toBeLessThanOrEqual(10);
    });
    expect(new Set(recommendations.map((r) => r.fromWorker))).toEqual(new Set(['hot-1', 'hot-2']));
    expect(new Set(recommendations.map((r) => r.toWorker)).size).toBeGreaterThan(1);
    // No target is promised more than its room below the 50 % target.
    const promised = new Map<string, number>();
    for (const r of recommendations)
      promised.set(r.toWorker, (promised.get(r.toWorker) ?? 0) + r.tasksToMove);
    for (const w of workers)
      expect(w.currentLoad + (promised.get(w.id) ?? 0)).toBeLessThanOrEqual(Math.max(5, w.currentLoad));
  });

  it('suggests migrations from loaded to idle workers', () => {
    const loadBalancer = new LoadBalancer();
    const workers = fleet();
    workers[1]!.currentLoad = 10;
    const taskQueue = [
      { id: 'task-1', requirements: { capabilities: ['typescript'], complexity: 5, priority: 7 } },
      { id: 'task-2', requirements: { capabilities: ['backend'], complexity: 8, priority: 9 } },
      { id: 'task-3', requirements: { capabilities: ['testing'], complexity: 4, priority: 5 } },
    ];
    const migrations = loadBalancer.suggestMigration(workers, taskQueue);
    expect(migrations.length).toBeGreaterThan(0);
    migrations.forEach((mig) => {
      expect(mig.reason).toMatch(/imbalance/i);
      expect(mig.fromWorker).not.toBe(mig.toWorker);
    });
    expect(migrations[0]!.fromWorker).toBe('worker-2');
  });

  it('reorders the queue by priority and assigns with load counted as it goes', () => {
    const loadBalancer = new LoadBalancer(new LeastLoadedStrategy());
    const workers = fleet();
    const taskQueue = [
      { id: 'task-1', requirements: { capabilities: ['typescript'], complexity: 5, priority: 7 } },
      { id: 'task-2', requirements: { capabilities: ['backend'], complexity: 8, priority: 9 } },
      { id: 'task-3', requirements: { capabilities: ['testing'], complexity: 4, priority: 5 } },
    ];
    const reordered = loadBalancer.reorderQueue(taskQueue, workers);
    expect(reordered.map((t) => t.id)).toEqual(['task-2', 'task-1', 'task-3']);
    expect(reordered.map((t) => t.assignedWorker || 'unassigned')).toEqual([
      'worker-1',
      'worker-5',
      'worker-3',
    ]);
    expect(workers.map((w) => w.currentLoad)).toEqual([2, 5, 1, 3, 0]); // caller's objects untouched
  });
});

describe('seed 003: advanced usage', () => {
  it('registers and uses a custom strategy', () => {
    class CustomStrategy implements BalancingStrategy {
      name = 'custom-ml-strategy';
      selectWorker(_task: TaskRequirements, workers: WorkerInfo[]): WorkerInfo | null {
        const mlCapable = workers.filter(
          (w) => w.capabilities.has('tensorflow') && w.capabilities.has('gpu'),
        );
        if (mlCapable.length === 0) return null;
        return mlCapable.sort((a, b) => b.maxCapacity - b.currentLoad - (a.maxCapacity - a.currentLoad))[0]!;
      }
    }
    const loadBalancer = new LoadBalancer();
    loadBalancer.registerStrategy(new CustomStrategy());
    expect(loadBalancer.setStrategy('custom-ml-strategy')).toBe(true);
    expect(loadBalancer.getCurrentStrategy()).toBe('custom-ml-strategy');
    expect(loadBalancer.selectWorker({ capabilities: [], complexity: 1, priority: 1 }, fleet())!.id).toBe(
      'worker-5',
    );
    expect(loadBalancer.setStrategy('no-such')).toBe(false);
    expect(loadBalancer.getCurrentStrategy()).toBe('custom-ml-strategy');
    expect(loadBalancer.getAvailableStrategies()).toEqual(
      expect.arrayContaining([
        'round-robin',
        'least-loaded',
        'capability-based',
        'performance-based',
        'adaptive',
        'custom-ml-strategy',
      ]),
    );
  });

  it('supports a regional subclass', () => {
    interface RegionalWorker extends WorkerInfo {
      region: string;
      latency: number;
    }
    class RegionalLoadBalancer extends LoadBalancer {
      selectWorkerByRegion(
        task: TaskRequirements,
        workers: RegionalWorker[],
        preferredRegion: string,
      ): RegionalWorker | null {
        const regionalWorkers = workers.filter((w) => w.region === preferredRegion);
        if (regionalWorkers.length === 0) {
          const sorted = workers.sort((a, b) => a.latency - b.latency);
          return super.selectWorker(task, sorted) as RegionalWorker;
        }
        return super.selectWorker(task, regionalWorkers) as RegionalWorker;
      }
    }
    const lb = new RegionalLoadBalancer(new LeastLoadedStrategy());
    const workers: RegionalWorker[] = fleet().map((w, i) => ({
      ...w,
      region: i < 2 ? 'eu' : 'us',
      latency: i,
    }));
    const task = { capabilities: [], complexity: 1, priority: 1 };
    expect(['worker-1', 'worker-2']).toContain(lb.selectWorkerByRegion(task, workers, 'eu')!.id);
    expect(lb.selectWorkerByRegion(task, workers, 'asia')).not.toBeNull();
  });

  it('priority-based distribution spreads out when the caller updates load', () => {
    function distributeTasks(tasks: TaskRequirements[], workers: WorkerInfo[], loadBalancer: LoadBalancer) {
      const assignments = new Map<string, TaskRequirements[]>();
      const sortedTasks = [...tasks].sort((a, b) => (b.priority || 0) - (a.priority || 0));
      for (const task of sortedTasks) {
        const worker = loadBalancer.selectWorker(task, workers);
        if (worker) {
          const workerTasks = assignments.get(worker.id) || [];
          workerTasks.push(task);
          assignments.set(worker.id, workerTasks);
          const workerInfo = workers.find((w) => w.id === worker.id);
          if (workerInfo) workerInfo.currentLoad += task.complexity;
        }
      }
      return assignments;
    }
    const tasks = Array.from({ length: 10 }, (_, i) => ({ capabilities: [], complexity: 1, priority: i }));
    const assignments = distributeTasks(tasks, fleet(), new LoadBalancer(new LeastLoadedStrategy()));
    expect(assignments.size).toBeGreaterThan(1);
  });

  it('distribute() spreads a bulk batch even without the caller updating load', () => {
    const lb = new LoadBalancer(new LeastLoadedStrategy());
    const workers: WorkerInfo[] = ['a', 'b', 'c', 'd'].map((id) => ({
      id,
      capabilities: new Set(),
      maxCapacity: 100,
      currentLoad: 0,
    }));
    const out = lb.distribute(
      Array.from({ length: 40 }, () => ({ capabilities: [], complexity: 1, priority: 1 })),
      workers,
    );
    expect([...out.values()].map((l) => l.length)).toEqual([10, 10, 10, 10]);
  });

  it('the monitoring wrapper reports a success rate', () => {
    const lb = new LoadBalancer();
    const metrics = { totalAssignments: 0, successfulAssignments: 0 };
    for (const caps of [['typescript'], ['cobol']]) {
      metrics.totalAssignments++;
      if (lb.selectWorker({ capabilities: caps, complexity: 1, priority: 1 }, fleet()))
        metrics.successfulAssignments++;
    }
    expect(metrics.successfulAssignments / metrics.totalAssignments).toBe(0.5);
  });
});

describe('seed 003: known weaknesses stay fixed', () => {
  it('maxCapacity 0 never produces NaN', () => {
    const lb = new LoadBalancer(new LeastLoadedStrategy());
    const workers: WorkerInfo[] = [{ id: 'z', capabilities: new Set(), maxCapacity: 0, currentLoad: 0 }];
    const scores = lb.scoreWorkers({ capabilities: [], complexity: 1, priority: 1 }, workers);
    expect(Number.isNaN(scores[0]!.score)).toBe(false);
    expect(lb.selectWorker({ capabilities: [], complexity: 1, priority: 1 }, workers)).toBeNull();
    expect(lb.detectOverload(workers)).toEqual([]);
  });

  it('keeps history bounded and forgets workers', () => {
    const lb = new LoadBalancer(undefined, {}, { maxHistoryPerWorker: 5, maxWorkers: 10 });
    for (let i = 0; i < 100; i++) lb.updateContext(`w${i % 20}`, 't', true, 10);
    expect(lb.getContext().taskHistory.size).toBeLessThanOrEqual(10);
    for (const h of lb.getContext().taskHistory.values()) expect(h.length).toBeLessThanOrEqual(5);
    lb.forgetWorker('w19');
    expect(lb.getContext().performance.has('w19')).toBe(false);
  });
});
