import {
  type Clock,
  type LoadEvent,
  type Random,
  type Strategy,
  seededRandom,
  type TaskView,
  VirtualClock,
  type WorkerState,
  type WorkerView,
} from '@switchyard/core';
import { Subject } from 'rxjs';
import { candidatesOf } from '../candidates.js';
import { percentile } from './percentile.js';
import type { Scenario, SimWorkerSpec } from './scenario.js';

/** Builds a fresh strategy for a run; use the given random and clock so the run replays exactly. */
export type StrategyFactory = (ctx: { random: Random; clock: Pick<Clock, 'now'> }) => Strategy;

export interface SimResult {
  scenario: string;
  strategy: string;
  tasks: number;
  p50: number;
  p99: number;
  p999: number;
  /** Succeeded / submitted. */
  successRate: number;
  /** Mean over 100 ms samples of max / mean in-flight across workers. */
  imbalance: number;
  /** ms from the slowdown until the slow worker gets under half its fair share of new tasks (per 1 s bin); null if never, undefined without a slowdown. */
  divertMs?: number | null;
  rateLimitHits: number;
}

interface SimTask {
  view: TaskView & { attempt: number };
  arrivedAt: number;
  attempts: number;
}

interface SimWorker extends WorkerView {
  state: WorkerState;
  inFlight: number;
  readySince: number;
  spec: SimWorkerSpec;
  running: number;
  waiting: SimTask[];
}

/**
 * Run one scenario with one strategy on virtual time. The worker model feeds the strategy the
 * same `LoadEvent`s the pool emits (through `observe`) and hands it live `WorkerView`s, or, for
 * stale balancers, copies refreshed every `staleMs`. Deterministic for a given seed.
 */
export function simulate(scenario: Scenario, factory: StrategyFactory, seed = 1): SimResult {
  const clock = new VirtualClock(0);
  const rng = seededRandom(seed);
  const events$ = new Subject<LoadEvent>();
  const emit = (e: LoadEvent) => events$.next(e);
  const nBalancers = scenario.balancers ?? 1;
  const staleMs = scenario.staleMs ?? 0;
  const maxAttempts = scenario.maxAttempts ?? 5;

  const workers: SimWorker[] = scenario.workers.map((spec) => ({
    id: spec.id,
    state: 'connected',
    inFlight: 0,
    capacity: spec.capacity,
    capabilities: new Set<string>(),
    weight: spec.weight ?? 1,
    addedAt: 0,
    readySince: -3_600_000, // long past slow start: the fleet is warm when the run begins
    spec,
    running: 0,
    waiting: [],
  }));
  const byId = new Map(workers.map((w) => [w.id, w]));

  const balancers = Array.from({ length: nBalancers }, (_, b) => {
    const strategy = factory({ random: seededRandom(seed * 7919 + b), clock });
    const sub = strategy.observe?.(events$);
    const views: SimWorker[] = staleMs > 0 ? workers.map((w) => ({ ...w })) : workers;
    return { strategy, sub, views };
  });
  for (const w of workers) {
    emit({
      type: 'worker-added',
      at: 0,
      worker: w.id,
      capacity: w.capacity,
      capabilities: [],
      weight: w.weight,
    });
  }
  if (staleMs > 0) {
    const refresh = () => {
      for (const b of balancers) {
        for (let i = 0; i < workers.length; i++) {
          const v = b.views[i]!;
          const w = workers[i]!;
          v.inFlight = w.inFlight;
          v.state = w.state;
          v.readySince = w.readySince;
        }
      }
      clock.setTimeout(refresh, staleMs);
    };
    refresh();
  }

  const latencies: number[] = [];
  let submitted = 0;
  let succeeded = 0;
  let rateLimitHits = 0;
  const queue: SimTask[] = [];
  let nextBalancer = 0;
  let taskId = 0;

  const setState = (w: SimWorker, to: WorkerState, reason: string, backoffMs?: number) => {
    if (w.state === to) return;
    const from = w.state;
    w.state = to;
    if (to === 'connected' && from === 'backoff') w.readySince = clock.now();
    emit({
      type: 'worker-state',
      at: clock.now(),
      worker: w.id,
      from,
      to,
      reason,
      ...(backoffMs ? { backoffMs } : {}),
    });
  };

  const serviceTime = (w: SimWorker): number => {
    const s = scenario.slowdown;
    const now = clock.now();
    if (s && s.worker === w.id && now >= s.fromMs && now < s.toMs) return s.serviceMs;
    return w.spec.serviceMs(rng);
  };

  // Assignment counts per 1 s bin, for the time to divert traffic from the slow worker.
  const bins: { slow: number; total: number }[] = [];

  const start = (w: SimWorker, t: SimTask, startedAt: number) => {
    w.running++;
    clock.setTimeout(() => finish(w, t, startedAt), serviceTime(w));
  };

  const finish = (w: SimWorker, t: SimTask, assignedAt: number) => {
    w.running--;
    w.inFlight--;
    const now = clock.now();
    const latencyMs = now - assignedAt;
    const limited = (w.spec.rateLimitProbability ?? 0) > 0 && rng() < w.spec.rateLimitProbability!;
    const base = { at: now, task: t.view.id, kind: t.view.kind, worker: w.id, attempt: t.view.attempt };
    if (limited) {
      rateLimitHits++;
      const range = scenario.floodWaitMs ?? { min: 5_000, max: 60_000 };
      const waitMs = Math.round(range.min + rng() * (range.max - range.min));
      const willRetry = t.attempts < maxAttempts;
      emit({
        type: 'task-failed',
        ...base,
        latencyMs,
        failure: 'rate-limited',
        retryAfterMs: waitMs,
        willRetry,
      });
      setState(w, 'backoff', 'rate-limited', waitMs);
      // Tasks waiting at a worker in backoff go back to the shared queue.
      for (const waiting of w.waiting.splice(0)) {
        w.inFlight--;
        queue.push(waiting);
      }
      clock.setTimeout(() => {
        setState(w, 'connected', 'backoff-elapsed');
        dispatch();
      }, waitMs);
      if (willRetry) {
        t.view = { ...t.view, attempt: t.view.attempt + 1 };
        queue.push(t);
      }
    } else {
      succeeded++;
      latencies.push(now - t.arrivedAt);
      emit({ type: 'task-succeeded', ...base, latencyMs });
      const next = w.waiting.shift();
      if (next !== undefined) start(w, next, now);
    }
    if (w.state === 'busy' && w.inFlight < w.capacity) setState(w, 'connected', 'slot-freed');
    dispatch();
  };

  const ready = (v: SimWorker) => v.state === 'connected' && v.inFlight < v.capacity;

  const dispatch = () => {
    while (queue.length > 0) {
      const b = balancers[nextBalancer]!;
      const list = b.views.filter(ready);
      // Stale views may show a worker as free that is not: the real worker decides.
      const cands = candidatesOf(list.filter((v) => ready(byId.get(v.id)!)));
      if (cands.length === 0) return;
      nextBalancer = (nextBalancer + 1) % balancers.length;
      const t = queue.shift()!;
      t.attempts++;
      const picked = b.strategy.select(t.view, cands);
      if (picked === undefined) {
        queue.unshift(t);
        return;
      }
      const w = byId.get(picked.id)!;
      const now = clock.now();
      w.inFlight++;
      if (staleMs > 0) (picked as SimWorker).inFlight++; // a balancer knows its own assignments
      emit({
        type: 'task-assigned',
        at: now,
        task: t.view.id,
        kind: t.view.kind,
        worker: w.id,
        attempt: t.view.attempt,
      });
      const sec = Math.floor(now / 1_000);
      const bin = bins[sec] ?? { slow: 0, total: 0 };
      bins[sec] = bin;
      bin.total++;
      if (w.id === scenario.slowdown?.worker) bin.slow++;
      if (w.inFlight >= w.capacity) setState(w, 'busy', 'capacity');
      if (w.running < w.spec.parallelism) start(w, t, now);
      else w.waiting.push(t);
    }
  };

  const meanGap = 1_000 / scenario.ratePerSec;
  const arrive = () => {
    if (clock.now() >= scenario.durationMs) return;
    submitted++;
    const id = ++taskId;
    queue.push({
      view: {
        id,
        kind: 'sim',
        priority: 0,
        requires: [],
        key: `k${id % 997}`,
        affinity: [],
        antiAffinity: [],
        attempt: 1,
      },
      arrivedAt: clock.now(),
      attempts: 0,
    });
    dispatch();
    clock.setTimeout(arrive, -Math.log(1 - rng()) * meanGap);
  };
  arrive();

  let imbalanceSum = 0;
  let imbalanceN = 0;
  const sample = () => {
    let max = 0;
    let sum = 0;
    for (const w of workers) {
      max = Math.max(max, w.inFlight / (w.weight || 1));
      sum += w.inFlight / (w.weight || 1);
    }
    if (sum > 0) {
      imbalanceSum += max / (sum / workers.length);
      imbalanceN++;
    }
    if (clock.now() < scenario.durationMs) clock.setTimeout(sample, 100);
  };
  sample();

  // Run, then let work in flight finish (flood waits can be long).
  clock.tick(scenario.durationMs + 300_000);
  for (const b of balancers) b.sub?.unsubscribe();
  events$.complete();

  latencies.sort((a, b) => a - b);
  const result: SimResult = {
    scenario: scenario.name,
    strategy: balancers[0]!.strategy.name,
    tasks: submitted,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    p999: percentile(latencies, 0.999),
    successRate: submitted > 0 ? succeeded / submitted : 1,
    imbalance: imbalanceN > 0 ? imbalanceSum / imbalanceN : 1,
    rateLimitHits,
  };
  const s = scenario.slowdown;
  if (s) {
    const fair = 1 / workers.length;
    result.divertMs = null;
    for (let sec = Math.floor(s.fromMs / 1_000); sec < Math.ceil(s.toMs / 1_000); sec++) {
      const bin = bins[sec];
      if (bin && bin.total > 0 && bin.slow / bin.total < fair / 2) {
        result.divertMs = Math.max(0, (sec + 1) * 1_000 - s.fromMs);
        break;
      }
    }
  }
  return result;
}
