import { AdaptiveStrategy } from './adaptiveStrategy.js';
import { CapabilityBasedStrategy } from './capabilityBasedStrategy.js';
import { InvalidStrategyOptionError } from './errors.js';
import { LeastLoadedStrategy } from './leastLoadedStrategy.js';
import { PerformanceBasedStrategy } from './performanceBasedStrategy.js';
import { RoundRobinStrategy } from './roundRobinStrategy.js';
import {
  type BalancingContext,
  type BalancingStrategy,
  canTake,
  capabilityMatch,
  freeCapacity,
  hasCapability,
  reliabilityScore,
  speedScore,
  successRate,
  type TaskRequirements,
  utilization,
  type WorkerInfo,
} from './workerInfo.js';

export interface WorkerScore {
  worker: WorkerInfo;
  score: number;
  /** Whether the worker could take the task now (online, capable, allowed, a free slot). */
  eligible: boolean;
  breakdown: {
    capacityScore: number;
    performanceScore: number;
    affinityScore: number;
    reliabilityScore: number;
  };
}

export interface RebalanceRecommendation {
  fromWorker: string;
  toWorker: string;
  reason: string;
  /** 1–10, higher is more urgent. */
  priority: number;
  /** How much load (in `currentLoad` units) to move on this edge. */
  tasksToMove: number;
}

export interface QueuedTask {
  id: string;
  requirements: TaskRequirements;
  assignedWorker?: string;
}

export interface MigrationSuggestion {
  fromWorker: string;
  toWorker: string;
  reason: string;
  /** Queued tasks the target can run, best first. */
  taskIds: string[];
}

export interface LoadBalancerOptions {
  /** Utilisation above which a worker is overloaded. Default 0.8. */
  overloadThreshold?: number;
  /** Utilisation below which a worker can receive migrated load. Default 0.5. */
  targetThreshold?: number;
  /** Utilisation gap that counts as an imbalance for `suggestMigration`. Default 0.3. */
  imbalanceThreshold?: number;
  /** Task types remembered per worker in `taskHistory`. Default 50. */
  maxHistoryPerWorker?: number;
  /** Workers remembered in the context before the least recently updated are forgotten. Default 10 000. */
  maxWorkers?: number;
}

/** The score weights: capacity 0.4, performance 0.3, affinity 0.2, reliability 0.1. */
const SCORE_WEIGHTS = { capacity: 0.4, performance: 0.3, affinity: 0.2, reliability: 0.1 } as const;
/** One outcome's weight in the learned success and duration EWMAs. */
const LEARN_ALPHA = 0.2;

/**
 * A load balancer on plain `WorkerInfo` objects: batch assignment counts load as it goes
 * (`distribute`, `reorderQueue`), capacity 0 never gives NaN, `detectOverload` spreads load
 * over several targets, `updateContext` really teaches the adaptive strategy, and every
 * history map is bounded.
 */
export class LoadBalancer {
  #strategy: BalancingStrategy;
  readonly #strategies = new Map<string, BalancingStrategy>();
  readonly #context: BalancingContext;
  readonly #opts: Required<LoadBalancerOptions>;

  constructor(
    strategy?: BalancingStrategy,
    context: Partial<BalancingContext> = {},
    options: LoadBalancerOptions = {},
  ) {
    for (const s of [
      new RoundRobinStrategy(),
      new LeastLoadedStrategy(),
      new CapabilityBasedStrategy(),
      new PerformanceBasedStrategy(),
      new AdaptiveStrategy(),
    ]) {
      this.#strategies.set(s.name, s);
    }
    this.#strategy = strategy ?? this.#strategies.get('adaptive')!;
    this.#strategies.set(this.#strategy.name, this.#strategy);
    this.#context = {
      taskHistory: context.taskHistory ?? new Map(),
      affinityRules: context.affinityRules ?? new Map(),
      performance: context.performance ?? new Map(),
    };
    this.#opts = {
      overloadThreshold: options.overloadThreshold ?? 0.8,
      targetThreshold: options.targetThreshold ?? 0.5,
      imbalanceThreshold: options.imbalanceThreshold ?? 0.3,
      maxHistoryPerWorker: options.maxHistoryPerWorker ?? 50,
      maxWorkers: options.maxWorkers ?? 10_000,
    };
  }

  /**
   * The best worker for the task, or null when none can take it. Only workers that are online,
   * have every capability, are not in `antiAffinity` (hard) and have a free slot are offered to
   * the strategy; workers the task prefers (`affinity`, or the context's affinity rules for its
   * type or capabilities) are offered alone when any of them can take it (soft).
   */
  selectWorker(task: TaskRequirements, workers: WorkerInfo[]): WorkerInfo | null {
    const eligible = workers.filter((w) => canTake(w, task));
    if (eligible.length === 0) return null;
    const preferred = this.#preferredIds(task);
    const favoured = preferred.size > 0 ? eligible.filter((w) => preferred.has(w.id)) : [];
    const offered = favoured.length > 0 ? favoured : eligible;
    const picked = this.#strategy.selectWorker(task, offered, this.#context);
    // A plugin may return something it was not offered; the hard rules still hold.
    if (picked !== null && !offered.includes(picked) && !eligible.includes(picked)) return null;
    return picked;
  }

  /**
   * Assign a batch: each task (highest priority first) goes to `selectWorker`, and the chosen
   * worker's `currentLoad` on a private copy rises by one before the next pick, so a batch
   * spreads out instead of landing on one worker. The caller's objects are not changed.
   */
  distribute(
    tasks: readonly TaskRequirements[],
    workers: readonly WorkerInfo[],
  ): Map<string, TaskRequirements[]> {
    const copies = workers.map((w) => ({ ...w }));
    const out = new Map<string, TaskRequirements[]>();
    const order = [...tasks].sort((a, b) => (b.priority || 0) - (a.priority || 0));
    for (const task of order) {
      const w = this.selectWorker(task, copies);
      if (!w) continue;
      w.currentLoad += 1;
      const list = out.get(w.id) ?? [];
      list.push(task);
      out.set(w.id, list);
    }
    return out;
  }

  scoreWorkers(task: TaskRequirements, workers: WorkerInfo[]): WorkerScore[] {
    const preferred = this.#preferredIds(task);
    const scores = workers.map((worker) => {
      const eligible = canTake(worker, task);
      const capacityScore = freeCapacity(worker);
      const performanceScore = successRate(worker, this.#context);
      const affinityScore = preferred.has(worker.id) ? 1 : this.#familiarity(worker.id, task);
      const reliability =
        (speedScore(worker, workers, this.#context) + reliabilityScore(worker, this.#context)) / 2;
      const raw =
        SCORE_WEIGHTS.capacity * capacityScore +
        SCORE_WEIGHTS.performance * performanceScore +
        SCORE_WEIGHTS.affinity * affinityScore +
        SCORE_WEIGHTS.reliability * reliability;
      // A worker missing a capability scores in proportion to its match; an excluded one scores 0.
      const score = eligible
        ? raw
        : (task.antiAffinity ?? []).includes(worker.id)
          ? 0
          : raw * capabilityMatch(worker, task) * 0.5;
      return {
        worker,
        score,
        eligible,
        breakdown: { capacityScore, performanceScore, affinityScore, reliabilityScore: reliability },
      };
    });
    return scores.sort((a, b) => b.score - a.score);
  }

  /**
   * Overloaded workers (utilisation above `overloadThreshold`) and where to move their excess.
   * The excess is split over every worker below `targetThreshold` in proportion to its free
   * room, and a target's room is used up as it is promised, so several overloaded workers do
   * not all pick the same target.
   */
  detectOverload(workers: WorkerInfo[]): RebalanceRecommendation[] {
    const { overloadThreshold, targetThreshold } = this.#opts;
    const online = workers.filter((w) => w.status !== 'offline' && w.maxCapacity > 0);
    const over = online
      .filter((w) => utilization(w) > overloadThreshold)
      .sort((a, b) => utilization(b) - utilization(a));
    const room = new Map<string, number>();
    for (const w of online) {
      if (utilization(w) < targetThreshold) room.set(w.id, targetThreshold * w.maxCapacity - w.currentLoad);
    }
    const recs: RebalanceRecommendation[] = [];
    for (const src of over) {
      let excess = src.currentLoad - overloadThreshold * src.maxCapacity;
      const u = utilization(src);
      const priority = Math.min(10, Math.max(1, Math.round(u * 10 - 2)));
      const totalRoom = [...room.values()].reduce((a, b) => a + b, 0);
      if (totalRoom <= 0) {
        recs.push({
          fromWorker: src.id,
          toWorker: '',
          reason: `Worker ${src.id} is at ${(u * 100).toFixed(0)}% and no worker has room: add capacity`,
          priority,
          tasksToMove: 0,
        });
        continue;
      }
      const share = Math.min(excess, totalRoom);
      for (const [id, free] of [...room.entries()].sort((a, b) => b[1] - a[1])) {
        if (excess <= 0) break;
        const move = Math.min(free, Math.max(1, Math.round((share * free) / totalRoom)), excess);
        if (move <= 0) continue;
        recs.push({
          fromWorker: src.id,
          toWorker: id,
          reason: `Worker ${src.id} is at ${(u * 100).toFixed(0)}% load: move ${move} to ${id}`,
          priority,
          tasksToMove: move,
        });
        room.set(id, free - move);
        excess -= move;
      }
    }
    return recs;
  }

  /**
   * Pairs the most loaded with the least loaded workers when their utilisation differs by more
   * than `imbalanceThreshold`, naming the queued tasks each target can run.
   */
  suggestMigration(workers: WorkerInfo[], taskQueue: readonly QueuedTask[]): MigrationSuggestion[] {
    const online = workers.filter((w) => w.status !== 'offline' && w.maxCapacity > 0);
    const byLoad = [...online].sort((a, b) => utilization(b) - utilization(a));
    const out: MigrationSuggestion[] = [];
    for (let i = 0, j = byLoad.length - 1; i < j; i++, j--) {
      const from = byLoad[i]!;
      const to = byLoad[j]!;
      const gap = utilization(from) - utilization(to);
      if (gap <= this.#opts.imbalanceThreshold) break;
      const taskIds = taskQueue
        .filter((t) => t.requirements.capabilities.every((c) => hasCapability(to, c)))
        .sort((a, b) => b.requirements.priority - a.requirements.priority)
        .map((t) => t.id);
      out.push({
        fromWorker: from.id,
        toWorker: to.id,
        reason: `Load imbalance: ${from.id} at ${(utilization(from) * 100).toFixed(0)}%, ${to.id} at ${(utilization(to) * 100).toFixed(0)}%`,
        taskIds,
      });
    }
    return out;
  }

  /**
   * The queue in priority order (then smaller tasks first), each task tentatively assigned
   * with load counted as it goes. Returns new objects; the caller's are not changed.
   */
  reorderQueue(taskQueue: readonly QueuedTask[], workers: readonly WorkerInfo[]): QueuedTask[] {
    const copies = workers.map((w) => ({ ...w }));
    const sorted = [...taskQueue].sort(
      (a, b) =>
        b.requirements.priority - a.requirements.priority ||
        a.requirements.complexity - b.requirements.complexity,
    );
    return sorted.map((t) => {
      const w = this.selectWorker(t.requirements, copies);
      if (!w) {
        const { assignedWorker: _drop, ...rest } = t;
        return rest;
      }
      w.currentLoad += 1;
      return { ...t, assignedWorker: w.id };
    });
  }

  /**
   * Report an outcome. It updates the worker's task history and learned success/duration, and
   * teaches the current strategy (the adaptive strategy rewards the arm that chose the worker).
   * A success with duration 0 is read as "assigned" (a report made right after
   * assignment): it is recorded in the history but teaches nothing.
   */
  updateContext(workerId: string, taskType: string, success: boolean, duration: number): void {
    const ctx = this.#context;
    const history = ctx.taskHistory.get(workerId) ?? [];
    history.push(taskType);
    if (history.length > this.#opts.maxHistoryPerWorker)
      history.splice(0, history.length - this.#opts.maxHistoryPerWorker);
    ctx.taskHistory.delete(workerId); // re-insert: Map order is least recently updated first
    ctx.taskHistory.set(workerId, history);
    if (success && !(duration > 0)) {
      this.#bound();
      return;
    }
    const p = ctx.performance.get(workerId) ?? { success: 1, durationMs: 0, samples: 0 };
    const d = Number.isFinite(duration) && duration > 0 ? duration : 0;
    if (p.samples === 0) {
      p.success = success ? 1 : 0;
      p.durationMs = d;
    } else {
      p.success += LEARN_ALPHA * ((success ? 1 : 0) - p.success);
      if (d > 0) p.durationMs = p.durationMs > 0 ? p.durationMs + LEARN_ALPHA * (d - p.durationMs) : d;
    }
    p.samples++;
    ctx.performance.delete(workerId);
    ctx.performance.set(workerId, p);
    for (const s of new Set([this.#strategy, ...this.#strategies.values()]))
      s.recordOutcome?.(workerId, taskType, success, d);
    this.#bound();
  }

  /** Drop everything known about a worker that left. */
  forgetWorker(workerId: string): void {
    this.#context.taskHistory.delete(workerId);
    this.#context.performance.delete(workerId);
    for (const s of this.#strategies.values()) s.forgetWorker?.(workerId);
  }

  registerStrategy(strategy: BalancingStrategy): void {
    if (
      typeof strategy?.name !== 'string' ||
      strategy.name === '' ||
      typeof strategy.selectWorker !== 'function'
    ) {
      throw new InvalidStrategyOptionError(
        'LoadBalancer',
        'strategy',
        'needs a non-empty name and a selectWorker method',
      );
    }
    this.#strategies.set(strategy.name, strategy);
  }

  /** Switch to a registered strategy; false (and no change) for an unknown name. */
  setStrategy(name: string): boolean {
    const s = this.#strategies.get(name);
    if (!s) return false;
    this.#strategy = s;
    return true;
  }

  getCurrentStrategy(): string {
    return this.#strategy.name;
  }

  getAvailableStrategies(): string[] {
    return [...this.#strategies.keys()];
  }

  getContext(): Readonly<BalancingContext> {
    return this.#context;
  }

  #preferredIds(task: TaskRequirements): Set<string> {
    const ids = new Set(task.affinity ?? []);
    const rules = this.#context.affinityRules;
    if (task.taskType !== undefined) for (const id of rules.get(task.taskType) ?? []) ids.add(id);
    for (const c of task.capabilities) for (const id of rules.get(c) ?? []) ids.add(id);
    for (const id of task.antiAffinity ?? []) ids.delete(id);
    return ids;
  }

  /** Share of the worker's recent history matching the task's type or capabilities. */
  #familiarity(workerId: string, task: TaskRequirements): number {
    const history = this.#context.taskHistory.get(workerId);
    if (!history || history.length === 0) return 0;
    const wanted = new Set([...task.capabilities, ...(task.taskType ? [task.taskType] : [])]);
    return history.filter((t) => wanted.has(t)).length / history.length;
  }

  #bound(): void {
    const max = this.#opts.maxWorkers;
    for (const map of [this.#context.taskHistory, this.#context.performance] as Map<string, unknown>[]) {
      while (map.size > max) {
        const oldest = map.keys().next();
        if (oldest.done) break;
        map.delete(oldest.value);
      }
    }
  }
}
