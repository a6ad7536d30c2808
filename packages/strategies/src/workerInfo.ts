/** A worker record, as a worker registry reports it. Plain data; the facade never keeps it. */
export interface WorkerMetrics {
  tasksCompleted?: number;
  tasksFailed?: number;
  /** Mean task duration in ms. */
  averageTaskDuration?: number;
  /** In [0, 1] (or a percentage in (1, 100]). */
  successRate?: number;
  /** Fraction of time up, in [0, 1]. Other units are ignored. */
  uptime?: number;
  lastActivity?: number | Date;
}

export type WorkerStatus = 'idle' | 'active' | 'busy' | 'offline' | 'error' | (string & {});

export interface WorkerInfo {
  id: string;
  capabilities: ReadonlySet<string>;
  maxCapacity: number;
  currentLoad: number;
  status?: WorkerStatus;
  metrics?: WorkerMetrics;
}

export interface TaskRequirements {
  capabilities: readonly string[];
  /** Size of the task, typically 1–10. Heavier tasks prefer workers with more free room. */
  complexity: number;
  priority: number;
  taskType?: string;
  /** Soft: prefer these workers when they can take the task. */
  affinity?: readonly string[];
  /** Hard: never these workers. */
  antiAffinity?: readonly string[];
  estimatedDuration?: number;
}

/** Learned per-worker outcomes, fed by `LoadBalancer#updateContext`. */
export interface LearnedPerformance {
  /** EWMA of successes (1) and failures (0). */
  success: number;
  /** EWMA of durations in ms. */
  durationMs: number;
  samples: number;
}

export interface BalancingContext {
  /** Recent task types per worker (bounded). */
  taskHistory: Map<string, string[]>;
  /** Task type or capability → workers to prefer for it. */
  affinityRules: Map<string, string[]>;
  /** Learned outcomes per worker (bounded, pruned by `forgetWorker`). */
  performance: Map<string, LearnedPerformance>;
}

/** The class-based strategy interface. Strategies get only workers that can take the task. */
export interface BalancingStrategy {
  readonly name: string;
  selectWorker(task: TaskRequirements, workers: WorkerInfo[], context?: BalancingContext): WorkerInfo | null;
  /** Optional: learn from an outcome reported through `updateContext`. */
  recordOutcome?(workerId: string, taskType: string, success: boolean, durationMs: number): void;
  /** Optional: drop any state about a worker that left. */
  forgetWorker?(workerId: string): void;
}

export function hasCapability(worker: WorkerInfo, capability: string): boolean {
  const caps = worker.capabilities as ReadonlySet<string> | readonly string[] | undefined;
  if (caps === undefined) return false;
  return Array.isArray(caps) ? caps.includes(capability) : (caps as ReadonlySet<string>).has(capability);
}

/** currentLoad / maxCapacity in [0, ∞); a worker with no capacity counts as full, never NaN. */
export function utilization(worker: WorkerInfo): number {
  const cap = worker.maxCapacity;
  if (!(cap > 0)) return Number.POSITIVE_INFINITY;
  const load = Number.isFinite(worker.currentLoad) && worker.currentLoad > 0 ? worker.currentLoad : 0;
  return load / cap;
}

/** Free room in [0, 1]. */
export function freeCapacity(worker: WorkerInfo): number {
  const u = utilization(worker);
  return u === Number.POSITIVE_INFINITY ? 0 : Math.max(0, 1 - u);
}

export function isOnline(worker: WorkerInfo): boolean {
  return worker.status !== 'offline' && worker.status !== 'error';
}

/** Can this worker take the task now: online, every capability, not excluded, a free slot. */
export function canTake(worker: WorkerInfo, task: TaskRequirements): boolean {
  return (
    isOnline(worker) &&
    !(task.antiAffinity ?? []).includes(worker.id) &&
    task.capabilities.every((c) => hasCapability(worker, c)) &&
    worker.currentLoad < worker.maxCapacity
  );
}

/** Fraction of the task's capabilities the worker has (1 for a task that needs none). */
export function capabilityMatch(worker: WorkerInfo, task: TaskRequirements): number {
  if (task.capabilities.length === 0) return 1;
  let n = 0;
  for (const c of task.capabilities) if (hasCapability(worker, c)) n++;
  return n / task.capabilities.length;
}

/** Success rate in [0, 1]: learned outcomes first, then the registry's metrics, else a neutral prior. */
export function successRate(worker: WorkerInfo, context?: BalancingContext): number {
  const learned = context?.performance.get(worker.id);
  if (learned && learned.samples > 0) return learned.success;
  const m = worker.metrics;
  if (m?.successRate !== undefined && Number.isFinite(m.successRate) && m.successRate >= 0) {
    return m.successRate > 1 ? Math.min(1, m.successRate / 100) : m.successRate;
  }
  const done = m?.tasksCompleted ?? 0;
  const failed = m?.tasksFailed ?? 0;
  // Laplace smoothing: a new worker is neither perfect nor useless.
  return (done + 1) / (done + failed + 2);
}

/** Mean duration in ms, learned first, else from metrics; undefined when unknown. */
export function durationOf(worker: WorkerInfo, context?: BalancingContext): number | undefined {
  const learned = context?.performance.get(worker.id);
  if (learned && learned.samples > 0 && learned.durationMs > 0) return learned.durationMs;
  const d = worker.metrics?.averageTaskDuration;
  return d !== undefined && Number.isFinite(d) && d > 0 ? d : undefined;
}

/** Speed in [0, 1]: 0.5 at the mean duration of `workers`, higher when faster. */
export function speedScore(
  worker: WorkerInfo,
  workers: readonly WorkerInfo[],
  context?: BalancingContext,
): number {
  const own = durationOf(worker, context);
  if (own === undefined) return 0.5;
  let sum = 0;
  let n = 0;
  for (const w of workers) {
    const d = durationOf(w, context);
    if (d !== undefined) {
      sum += d;
      n++;
    }
  }
  const mean = sum / n;
  return mean / (mean + own);
}

/** Reliability in [0, 1]: uptime when the registry reports a fraction, else a smoothed success rate. */
export function reliabilityScore(worker: WorkerInfo, context?: BalancingContext): number {
  const up = worker.metrics?.uptime;
  const base = up !== undefined && up >= 0 && up <= 1 ? up : successRate(worker, context);
  return worker.status === 'error' ? base * 0.5 : base;
}
