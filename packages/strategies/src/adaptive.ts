import type { Candidates, LoadEvent, Strategy, TaskView, WorkerView } from '@switchyard/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { InvalidStrategyOptionError } from './errors.js';
import { type InspectableStrategy, isInspectable } from './inspectable.js';
import { leastLoaded } from './least-loaded.js';
import { type CommonStrategyOptions, nonNegative, positive, resolveCommon } from './options.js';
import { p2cPeakEwma } from './p2c-peak-ewma.js';
import { weightedResponseTime } from './weighted-response-time.js';

export interface AdaptiveOptions extends CommonStrategyOptions {
  /**
   * The strategies to choose between. Default: p2cPeakEwma, leastLoaded, weightedResponseTime,
   * sharing this strategy's random, clock and slow start. Names must be unique.
   */
  arms?: readonly Strategy[];
  /** Softmax temperature over the arms' reward estimates. Lower is greedier. Default 0.02. */
  temperature?: number;
  /** Share of picks spread evenly over all arms, so a losing arm is still tried. Default 0.05. */
  exploration?: number;
  /** EWMA weight of one outcome in an arm's reward estimate. Default 0.05. */
  learningRate?: number;
  /** At most this many tasks awaiting an outcome are remembered (oldest forgotten first). Default 10 000. */
  maxPending?: number;
}

export interface AdaptiveStrategyHandle extends InspectableStrategy {
  /** Each arm's current probability of being used; always sums to 1. */
  getWeights(): Map<string, number>;
  /** The arm most likely to be used now. */
  currentArm(): string;
  /**
   * Teach the strategy about an outcome that did not come through `observe` (the seed facade's
   * `updateContext`). `arm` is the arm that chose the worker.
   */
  reward(arm: string, outcome: { success: boolean; latencyMs: number; rateLimited?: boolean }): void;
}

/**
 * A bandit over other strategies: each pick, an arm is drawn with probability
 * (1 − exploration) · softmax(reward / temperature) + exploration / arms, and that arm picks
 * the worker. When the task's outcome arrives (through the pool's events), the arm that chose
 * it is rewarded: ref / (ref + latency) for a success (ref = the pool's recent mean latency),
 * 0 for a failure or rate limit; permanent failures are the task's fault and teach nothing.
 * Estimates are EWMAs, so when outcomes change the strategy really switches. Memory is bounded
 * by `maxPending` plus the arms' own per-worker state.
 */
export function adaptive(options: AdaptiveOptions = {}): AdaptiveStrategyHandle {
  const common = resolveCommon('adaptive', options, 10_000);
  const shared = {
    random: common.random,
    clock: common.clock,
    slowStartMs: common.slowStartMs,
    slowStartMinFactor: common.slowStartMinFactor,
  };
  const arms = options.arms ?? [p2cPeakEwma(shared), leastLoaded(shared), weightedResponseTime(shared)];
  const temperature = options.temperature ?? 0.02;
  const exploration = options.exploration ?? 0.05;
  const learningRate = options.learningRate ?? 0.05;
  const maxPending = options.maxPending ?? 10_000;
  if (arms.length === 0) throw new InvalidStrategyOptionError('adaptive', 'arms', 'must not be empty');
  const names = arms.map((a) => a.name);
  if (new Set(names).size !== names.length) {
    throw new InvalidStrategyOptionError('adaptive', 'arms', `names must be unique, got ${names.join(', ')}`);
  }
  positive('adaptive', 'temperature', temperature);
  nonNegative('adaptive', 'exploration', exploration);
  if (exploration > 1) throw new InvalidStrategyOptionError('adaptive', 'exploration', 'must be <= 1');
  if (!(learningRate > 0 && learningRate <= 1)) {
    throw new InvalidStrategyOptionError('adaptive', 'learningRate', 'must be in (0, 1]');
  }
  positive('adaptive', 'maxPending', maxPending);

  const k = arms.length;
  const value = new Float64Array(k).fill(0.5);
  const prob = new Float64Array(k);
  const pending = new Map<number, number>(); // task id → arm index
  let refLatency = 0;

  const recompute = (): void => {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < k; i++) if (value[i]! > max) max = value[i]!;
    let sum = 0;
    for (let i = 0; i < k; i++) {
      prob[i] = Math.exp((value[i]! - max) / temperature);
      sum += prob[i]!;
    }
    let total = 0;
    for (let i = 0; i < k; i++) {
      prob[i] = (1 - exploration) * (prob[i]! / sum) + exploration / k;
      total += prob[i]!;
    }
    // Renormalise so rounding never lets the weights drift from summing to 1.
    for (let i = 0; i < k; i++) prob[i] = prob[i]! / total;
  };
  recompute();

  const learn = (arm: number, success: boolean, latencyMs: number): void => {
    let r = 0;
    if (success) {
      const lat = Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : 0;
      refLatency = refLatency === 0 ? Math.max(lat, 1) : refLatency + 0.01 * (lat - refLatency);
      r = refLatency / (refLatency + lat);
    }
    value[arm] = value[arm]! + learningRate * (r - value[arm]!);
    recompute();
  };

  const draw = (): number => {
    let r = common.random();
    for (let i = 0; i < k - 1; i++) {
      r -= prob[i]!;
      if (r < 0) return i;
    }
    return k - 1;
  };

  const best = (): number => {
    let b = 0;
    for (let i = 1; i < k; i++) if (prob[i]! > prob[b]!) b = i;
    return b;
  };

  const onEvent = (e: LoadEvent): void => {
    if (e.type === 'task-succeeded' || e.type === 'task-failed' || e.type === 'task-cancelled') {
      const arm = pending.get(e.task);
      if (arm === undefined) return;
      pending.delete(e.task);
      if (e.type === 'task-succeeded') learn(arm, true, e.latencyMs);
      else if (e.type === 'task-failed' && e.failure !== 'permanent') learn(arm, false, e.latencyMs);
    }
  };

  return {
    name: 'adaptive',
    select(task: TaskView, candidates: Candidates): WorkerView | undefined {
      if (candidates.length === 0) return undefined;
      let arm = draw();
      let w = arms[arm]!.select(task, candidates);
      if (w === undefined && arm !== best()) {
        arm = best();
        w = arms[arm]!.select(task, candidates);
      }
      if (w !== undefined) {
        pending.delete(task.id); // re-insert so Map order stays oldest-first
        pending.set(task.id, arm);
        if (pending.size > maxPending) {
          const oldest = pending.keys().next();
          if (!oldest.done) pending.delete(oldest.value);
        }
      }
      return w;
    },
    observe(events$: Observable<LoadEvent>): Unsubscribable {
      const subs: Unsubscribable[] = [];
      for (const a of arms) {
        const s = a.observe?.(events$);
        if (s) subs.push(s);
      }
      subs.push(events$.subscribe(onEvent));
      return {
        unsubscribe: () => {
          for (const s of subs) s.unsubscribe();
        },
      };
    },
    trackedWorkers() {
      const ids = new Set<string>();
      for (const a of arms) if (isInspectable(a)) for (const id of a.trackedWorkers()) ids.add(id);
      return [...ids];
    },
    getWeights() {
      const m = new Map<string, number>();
      for (let i = 0; i < k; i++) m.set(names[i]!, prob[i]!);
      return m;
    },
    currentArm: () => names[best()]!,
    reward(armName, outcome) {
      const arm = names.indexOf(armName);
      if (arm < 0) throw new InvalidStrategyOptionError('adaptive', 'arm', `unknown arm "${armName}"`);
      learn(arm, outcome.success && outcome.rateLimited !== true, outcome.latencyMs);
    },
  };
}
