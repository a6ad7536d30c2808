import { Bandit, type BanditOptions } from './bandit.js';

/** Per-instance health, as a health checker reports it. */
export interface InstanceHealth {
  healthy: boolean;
  /** In [0, 1]; below `minHealthScore` the instance is skipped. */
  healthScore?: number;
  errorCount?: number;
  latencyMs?: number;
  successRate?: number;
  capacity?: number;
}

export interface ServiceInstance {
  id: string;
  /** Relative weight. Default 1. */
  weight?: number;
  health?: InstanceHealth;
}

export interface LoadBalancerStats {
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  averageLatencyMs: number;
  /** Instances offered in the last call. */
  activeInstances: number;
  /** Of those, how many were healthy. */
  healthyInstances: number;
}

export interface HealthAwareOptions {
  /** Instances whose healthScore is below this are skipped. Default 0.5. */
  minHealthScore?: number;
  random?: () => number;
}

/**
 * The health-aware strategy base: filter unhealthy instances, let the subclass choose among the
 * healthy ones, and keep request statistics. Per-instance state is pruned with `forget` and
 * whenever it grows well past the instances offered, so it cannot grow without bound.
 */
export abstract class HealthAwareStrategy {
  abstract readonly name: string;
  protected readonly random: () => number;
  readonly #minHealth: number;
  #stats: LoadBalancerStats = {
    totalRequests: 0,
    successfulRequests: 0,
    failedRequests: 0,
    averageLatencyMs: 0,
    activeInstances: 0,
    healthyInstances: 0,
  };

  constructor(options: HealthAwareOptions = {}) {
    this.#minHealth = options.minHealthScore ?? 0.5;
    this.random = options.random ?? Math.random;
  }

  isHealthy(instance: ServiceInstance): boolean {
    const h = instance.health;
    return h === undefined || (h.healthy && (h.healthScore ?? 1) >= this.#minHealth);
  }

  /** A healthy instance, or undefined when none is healthy. */
  selectInstance(instances: readonly ServiceInstance[]): ServiceInstance | undefined {
    const healthy = instances.filter((i) => this.isHealthy(i));
    this.#stats.activeInstances = instances.length;
    this.#stats.healthyInstances = healthy.length;
    if (healthy.length === 0) return undefined;
    this.prune(instances);
    return this.choose(healthy);
  }

  /** Report how a request to `instanceId` went. */
  recordResult(instanceId: string, result: { latencyMs: number; success: boolean }): void {
    const s = this.#stats;
    s.totalRequests++;
    if (result.success) s.successfulRequests++;
    else s.failedRequests++;
    const lat = Number.isFinite(result.latencyMs) && result.latencyMs > 0 ? result.latencyMs : 0;
    s.averageLatencyMs += (lat - s.averageLatencyMs) / s.totalRequests;
    this.onResult(instanceId, lat, result.success);
  }

  getStats(): LoadBalancerStats {
    return { ...this.#stats };
  }

  /** Drop per-instance state for an instance that left. */
  forget(_instanceId: string): void {}

  protected abstract choose(healthy: readonly ServiceInstance[]): ServiceInstance;
  protected onResult(_instanceId: string, _latencyMs: number, _success: boolean): void {}
  protected prune(_offered: readonly ServiceInstance[]): void {}
}

/** Round-robin over healthy instances; continues after the last instance chosen, by id. */
export class HealthRoundRobinStrategy extends HealthAwareStrategy {
  readonly name: string = 'round-robin';
  #last: string | undefined;

  protected choose(healthy: readonly ServiceInstance[]): ServiceInstance {
    const at = this.#last === undefined ? -1 : healthy.findIndex((i) => i.id === this.#last);
    // If the last one is gone, continue from the first instance after it in id order.
    const next =
      at >= 0
        ? healthy[(at + 1) % healthy.length]!
        : (healthy.find((i) => this.#last === undefined || i.id > this.#last) ?? healthy[0]!);
    this.#last = next.id;
    return next;
  }
}

/**
 * Fewest active connections (divided by weight). Selecting counts a connection at once, so a
 * burst spreads; `recordResult` or `release` ends it. Connections of instances that left are dropped.
 */
export class LeastConnectionsStrategy extends HealthAwareStrategy {
  readonly name: string = 'least-connections';
  readonly #connections = new Map<string, number>();

  protected choose(healthy: readonly ServiceInstance[]): ServiceInstance {
    let best = healthy[0]!;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const i of healthy) {
      const load = (this.#connections.get(i.id) ?? 0) / Math.max(i.weight ?? 1, 1e-6);
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    this.#connections.set(best.id, (this.#connections.get(best.id) ?? 0) + 1);
    return best;
  }

  /** End a connection without reporting a result. */
  release(instanceId: string): void {
    const n = this.#connections.get(instanceId) ?? 0;
    if (n <= 1) this.#connections.delete(instanceId);
    else this.#connections.set(instanceId, n - 1);
  }

  activeConnections(instanceId: string): number {
    return this.#connections.get(instanceId) ?? 0;
  }

  trackedInstances(): number {
    return this.#connections.size;
  }

  override forget(instanceId: string): void {
    this.#connections.delete(instanceId);
  }

  protected override onResult(instanceId: string): void {
    this.release(instanceId);
  }

  protected override prune(offered: readonly ServiceInstance[]): void {
    if (this.#connections.size <= 2 * offered.length + 16) return;
    const ids = new Set(offered.map((i) => i.id));
    for (const id of this.#connections.keys()) if (!ids.has(id)) this.#connections.delete(id);
  }
}

export interface WeightedResponseTimeStrategyOptions extends HealthAwareOptions {
  /** Decay time of the response-time EWMA in ms (time-based, not a fixed factor). Default 10 000. */
  decayMs?: number;
  /** Latency charged for a failed request. Default 1 000 ms. */
  failurePenaltyMs?: number;
  now?: () => number;
}

/**
 * Weighted random choice with share ∝ weight / responseTime². Response times are EWMAs that
 * decay with time; failures count as a penalty latency; an instance with no data is assumed
 * average instead of free, so it is not flooded.
 */
export class WeightedResponseTimeStrategy extends HealthAwareStrategy {
  readonly name: string = 'weighted-response-time';
  readonly #rt = new Map<string, { ewma: number; at: number }>();
  readonly #decay: number;
  readonly #penalty: number;
  readonly #now: () => number;

  constructor(options: WeightedResponseTimeStrategyOptions = {}) {
    super(options);
    this.#decay = options.decayMs ?? 10_000;
    this.#penalty = options.failurePenaltyMs ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  responseTime(instanceId: string): number | undefined {
    return this.#rt.get(instanceId)?.ewma;
  }

  protected choose(healthy: readonly ServiceInstance[]): ServiceInstance {
    let known = 0;
    let sum = 0;
    for (const i of healthy) {
      const r = this.#rt.get(i.id);
      if (r) {
        known++;
        sum += r.ewma;
      }
    }
    const mean = known > 0 ? sum / known : 100;
    const shares = healthy.map((i) => (i.weight ?? 1) / Math.max(this.#rt.get(i.id)?.ewma ?? mean, 1) ** 2);
    const total = shares.reduce((a, b) => a + b, 0);
    let r = this.random() * total;
    for (let k = 0; k < healthy.length; k++) {
      r -= shares[k]!;
      if (r < 0) return healthy[k]!;
    }
    return healthy[healthy.length - 1]!;
  }

  override forget(instanceId: string): void {
    this.#rt.delete(instanceId);
  }

  protected override onResult(instanceId: string, latencyMs: number, success: boolean): void {
    const sample = success ? latencyMs : Math.max(latencyMs, this.#penalty);
    const now = this.#now();
    const r = this.#rt.get(instanceId);
    if (!r) {
      this.#rt.set(instanceId, { ewma: sample, at: now });
      return;
    }
    const alpha = Math.max(0.1, 1 - Math.exp(-(now - r.at) / this.#decay));
    r.ewma += alpha * (sample - r.ewma);
    r.at = now;
  }

  protected override prune(offered: readonly ServiceInstance[]): void {
    if (this.#rt.size <= 2 * offered.length + 16) return;
    const ids = new Set(offered.map((i) => i.id));
    for (const id of this.#rt.keys()) if (!ids.has(id)) this.#rt.delete(id);
  }
}

export interface AdaptiveHealthStrategyOptions extends HealthAwareOptions, BanditOptions {
  arms?: readonly HealthAwareStrategy[];
}

/**
 * Adaptive health-aware switching, learning from every result instead of a fixed evaluation
 * window: a bandit over round-robin, least-connections and weighted response time. Each request
 * is routed by a drawn arm; its result rewards that arm and updates every arm's statistics.
 */
export class AdaptiveHealthStrategy extends HealthAwareStrategy {
  readonly name: string = 'adaptive';
  readonly #arms: readonly HealthAwareStrategy[];
  readonly #bandit: Bandit;
  readonly #pending = new Map<string, number[]>();

  constructor(options: AdaptiveHealthStrategyOptions = {}) {
    super(options);
    const opts = options.random ? { random: options.random } : {};
    this.#arms = options.arms ?? [
      new HealthRoundRobinStrategy(opts),
      new LeastConnectionsStrategy(opts),
      new WeightedResponseTimeStrategy(opts),
    ];
    this.#bandit = new Bandit(
      'AdaptiveHealthStrategy',
      this.#arms.map((a) => a.name),
      this.random,
      { temperature: 0.05, exploration: 0.1, learningRate: 0.1, ...options },
    );
  }

  getWeights(): Map<string, number> {
    return this.#bandit.weights();
  }

  currentStrategy(): string {
    return this.#bandit.names[this.#bandit.best()]!;
  }

  protected choose(healthy: readonly ServiceInstance[]): ServiceInstance {
    const arm = this.#bandit.draw();
    const picked = this.#arms[arm]!.selectInstance(healthy) ?? healthy[0]!;
    const q = this.#pending.get(picked.id) ?? [];
    q.push(arm);
    if (q.length > 1_000) q.shift();
    this.#pending.set(picked.id, q);
    return picked;
  }

  override forget(instanceId: string): void {
    this.#pending.delete(instanceId);
    for (const a of this.#arms) a.forget(instanceId);
  }

  protected override onResult(instanceId: string, latencyMs: number, success: boolean): void {
    const q = this.#pending.get(instanceId);
    const arm = q?.shift();
    if (q && q.length === 0) this.#pending.delete(instanceId);
    if (arm !== undefined) {
      this.#bandit.outcome(arm, success, latencyMs);
      this.#arms[arm]!.recordResult(instanceId, { latencyMs, success });
    }
    // The other arms learn response times too (least-connections only counts its own picks).
    for (const a of this.#arms)
      if (a !== this.#arms[arm ?? -1] && !(a instanceof LeastConnectionsStrategy))
        a.recordResult(instanceId, { latencyMs, success });
  }
}
