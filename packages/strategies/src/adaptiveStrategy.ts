import { Bandit, type BanditOptions } from './bandit.js';
import { CapabilityBasedStrategy } from './capabilityBasedStrategy.js';
import { LeastLoadedStrategy } from './leastLoadedStrategy.js';
import { PerformanceBasedStrategy } from './performanceBasedStrategy.js';
import { RoundRobinStrategy } from './roundRobinStrategy.js';
import type { BalancingContext, BalancingStrategy, TaskRequirements, WorkerInfo } from './workerInfo.js';

export interface AdaptiveStrategyOptions extends BanditOptions {
  arms?: readonly BalancingStrategy[];
  random?: () => number;
  /** Picks awaiting an outcome remembered per worker. Default 100. */
  maxPendingPerWorker?: number;
}

/**
 * An adaptive strategy that learns: a bandit over round-robin, least-loaded,
 * capability-based and performance-based. Each pick draws an arm; `LoadBalancer#updateContext`
 * reports the outcome, which rewards the arm that chose that worker. The arm weights always
 * sum to 1 and follow the outcomes.
 */
export class AdaptiveStrategy implements BalancingStrategy {
  readonly name: string = 'adaptive';
  readonly #arms: readonly BalancingStrategy[];
  readonly #bandit: Bandit;
  readonly #maxPending: number;
  /** Worker id → arms that picked it and await an outcome, oldest first. */
  readonly #pending = new Map<string, number[]>();

  constructor(options: AdaptiveStrategyOptions = {}) {
    this.#arms = options.arms ?? [
      new RoundRobinStrategy(),
      new LeastLoadedStrategy(),
      new CapabilityBasedStrategy(),
      new PerformanceBasedStrategy(),
    ];
    this.#bandit = new Bandit(
      'AdaptiveStrategy',
      this.#arms.map((a) => a.name),
      options.random ?? Math.random,
      // Per-call feedback is sparser than the pool's event stream: explore more, learn faster.
      { temperature: 0.05, exploration: 0.1, learningRate: 0.1, ...options },
    );
    this.#maxPending = options.maxPendingPerWorker ?? 100;
  }

  selectWorker(task: TaskRequirements, workers: WorkerInfo[], context?: BalancingContext): WorkerInfo | null {
    if (workers.length === 0) return null;
    let arm = this.#bandit.draw();
    let w = this.#arms[arm]!.selectWorker(task, workers, context);
    if (w === null) {
      arm = this.#bandit.best();
      w = this.#arms[arm]!.selectWorker(task, workers, context);
    }
    if (w !== null) {
      const q = this.#pending.get(w.id) ?? [];
      q.push(arm);
      if (q.length > this.#maxPending) q.shift();
      this.#pending.set(w.id, q);
    }
    return w;
  }

  recordOutcome(workerId: string, _taskType: string, success: boolean, durationMs: number): void {
    const q = this.#pending.get(workerId);
    const arm = q?.shift();
    if (q && q.length === 0) this.#pending.delete(workerId);
    if (arm !== undefined) this.#bandit.outcome(arm, success, durationMs);
    for (const a of this.#arms) a.recordOutcome?.(workerId, _taskType, success, durationMs);
  }

  forgetWorker(workerId: string): void {
    this.#pending.delete(workerId);
    for (const a of this.#arms) a.forgetWorker?.(workerId);
  }

  /** Each arm's probability of being used; always sums to 1. */
  getWeights(): Map<string, number> {
    return this.#bandit.weights();
  }

  /** The arm most likely to be used now. */
  getCurrentArm(): string {
    return this.#bandit.names[this.#bandit.best()]!;
  }
}
