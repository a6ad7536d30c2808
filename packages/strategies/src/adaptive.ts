import type { Candidates, LoadEvent, LoadEventType, Strategy, TaskView, WorkerView } from '@switchyard/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { Bandit, type BanditOptions } from './bandit.js';
import { InvalidStrategyOptionError } from './errors.js';
import { type InspectableStrategy, isInspectable } from './inspectable.js';
import { leastLoaded } from './leastLoaded.js';
import { type CommonStrategyOptions, nonNegative, positive, resolveCommon } from './options.js';
import { OUTSTANDING_EVENTS, OutstandingTracker } from './outstanding.js';
import { p2cPeakEwma } from './p2cPeakEwma.js';
import { randomIndex } from './randomIndex.js';
import { observeInto, STATS_EVENTS, statsTable } from './statsOptions.js';
import { weightedResponseTime } from './weightedResponseTime.js';

export interface AdaptiveOptions extends CommonStrategyOptions, BanditOptions {
  /**
   * The strategies to choose between. Default: p2cPeakEwma, leastLoaded, weightedResponseTime,
   * sharing this strategy's random, clock and slow start. Names must be unique.
   */
  arms?: readonly Strategy[];
  /** At most this many tasks awaiting an outcome are remembered (oldest forgotten first). Default 10 000. */
  maxPending?: number;
  /**
   * Tail guard: an arm's pick is swapped for the cheaper of two other random candidates when
   * its cost is more than this many times that one's, so exploring a weaker arm never sends
   * work to a worker that is known, or looks, slow. Cost = max(peak-EWMA latency, age of its
   * oldest unfinished task) × (1 + inFlight / capacity): the age term flags a worker that stopped
   * answering before its first slow response arrives. 0 turns it off. Default 2.
   */
  tailGuard?: number;
}

export interface AdaptiveStrategyHandle extends InspectableStrategy {
  /** Each arm's current probability of being used; always sums to 1. */
  getWeights(): Map<string, number>;
  /** The arm most likely to be used now. */
  currentArm(): string;
  /** Teach the strategy an outcome that did not come through `observe`. `arm` chose the worker. */
  reward(arm: string, outcome: { success: boolean; latencyMs: number }): void;
}

/**
 * A bandit over other strategies (see `Bandit`): each pick draws an arm, and that arm picks the
 * worker. When the task's outcome arrives through the pool's events, the arm that chose it is
 * rewarded: more for a fast success, 0 for a failure or rate limit; permanent failures are the
 * task's fault and teach nothing. Estimates are EWMAs, so when outcomes change it really
 * switches. Memory is bounded by `maxPending` plus the arms' own per-worker state.
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
  const maxPending = options.maxPending ?? 10_000;
  positive('adaptive', 'maxPending', maxPending);
  const bandit = new Bandit(
    'adaptive',
    arms.map((a) => a.name),
    common.random,
    options,
  );
  const pending = new Map<number, number>(); // task id → arm index, oldest first
  const tailGuard = options.tailGuard ?? 2;
  nonNegative('adaptive', 'tailGuard', tailGuard);
  const guardStats = statsTable('adaptive', {}, common);
  const outstanding = new OutstandingTracker();
  const expectedLatency = (w: WorkerView, now: number): number => {
    const s = guardStats.get(w.id);
    const latency = s !== undefined && s.samples > 0 ? guardStats.peakCost(s, now) : 0;
    return Math.max(latency, outstanding.oldestAge(w.id, now));
  };
  const cost = (w: WorkerView, now: number): number => {
    // Expected latency scaled by utilisation: unlike p2c's × (inFlight + 1), an idle slow worker
    // does not look cheap next to a busy fast one with room to spare.
    return (expectedLatency(w, now) + 1) * (1 + w.inFlight / Math.max(1, w.capacity));
  };
  /** A random candidate that is neither `w` nor `skip` (w itself when there is none). */
  const other = (candidates: Candidates, w: WorkerView, skip: WorkerView | undefined): WorkerView => {
    const n = candidates.length;
    const i = randomIndex(common.random, n);
    for (let k = 0; k < n; k++) {
      const c = candidates[(i + k) % n]!;
      if (c !== w && c !== skip) return c;
    }
    return w;
  };
  const guard = (w: WorkerView, candidates: Candidates): WorkerView => {
    const n = candidates.length;
    if (tailGuard === 0 || n < 2) return w;
    // Two other candidates, neither of them the arm's pick (sampling w itself would let it pass).
    const a = other(candidates, w, undefined);
    const b = n > 2 ? other(candidates, w, a) : a;
    const now = common.clock.now();
    const ca = cost(a, now);
    const cb = cost(b, now);
    const best = ca <= cb ? a : b;
    return cost(w, now) > tailGuard * Math.min(ca, cb) ? best : w;
  };

  const onEvent = (e: LoadEvent): void => {
    if (e.type !== 'task-succeeded' && e.type !== 'task-failed' && e.type !== 'task-cancelled') return;
    const arm = pending.get(e.task);
    if (arm === undefined) return;
    pending.delete(e.task);
    if (e.type === 'task-succeeded') bandit.outcome(arm, true, e.latencyMs);
    else if (e.type === 'task-failed' && e.failure !== 'permanent') bandit.outcome(arm, false, e.latencyMs);
  };

  // The pool builds only the events someone needs: ours, the guard's, and every arm's.
  const events: LoadEventType[] | undefined = arms.some(
    (a) => a.observe !== undefined && a.events === undefined,
  )
    ? undefined
    : [
        ...new Set<LoadEventType>([
          ...STATS_EVENTS,
          ...OUTSTANDING_EVENTS,
          ...arms.flatMap((a) => a.events ?? []),
        ]),
      ];

  return {
    name: 'adaptive',
    ...(events === undefined ? {} : { events }),
    select(task: TaskView, candidates: Candidates): WorkerView | undefined {
      if (candidates.length === 0) return undefined;
      let arm = bandit.draw();
      let w = arms[arm]!.select(task, candidates);
      if (w === undefined && arm !== bandit.best()) {
        arm = bandit.best();
        w = arms[arm]!.select(task, candidates);
      }
      if (w !== undefined) {
        const guarded = guard(w, candidates);
        if (guarded !== w) {
          // The arm chose a worker that is, or looks, slow: that is the arm's bad outcome, and
          // the task goes elsewhere without being credited to it.
          bandit.outcome(arm, false, expectedLatency(w, common.clock.now()));
          return guarded;
        }
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
      subs.push(observeInto(guardStats, events$));
      subs.push(events$.subscribe((e) => outstanding.handle(e)));
      return {
        unsubscribe: () => {
          for (const s of subs) s.unsubscribe();
        },
      };
    },
    trackedWorkers() {
      const ids = new Set<string>();
      for (const a of arms) if (isInspectable(a)) for (const id of a.trackedWorkers()) ids.add(id);
      for (const id of guardStats.ids()) ids.add(id);
      for (const id of outstanding.ids()) ids.add(id);
      return [...ids];
    },
    getWeights: () => bandit.weights(),
    currentArm: () => bandit.names[bandit.best()]!,
    reward(armName, outcome) {
      const arm = bandit.indexOf(armName);
      if (arm < 0) throw new InvalidStrategyOptionError('adaptive', 'arm', `unknown arm "${armName}"`);
      bandit.outcome(arm, outcome.success, outcome.latencyMs);
    },
  };
}
