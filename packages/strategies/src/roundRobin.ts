import type { Candidates, LoadEvent, TaskView, WorkerView } from '@switchyard/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight, slowStartFactor } from './slowStart.js';

export interface RoundRobinOptions extends CommonStrategyOptions {
  /**
   * How many ring steps to walk looking for a candidate before falling back to one pass over
   * the candidates. Keeps a pick O(1) when most workers are candidates and O(candidates) when few are.
   */
  maxWalk?: number;
}

interface RingNode {
  readonly id: string;
  view: WorkerView | undefined;
  /** Position in the ring: nodes are appended with increasing seq, so ring order is seq order. */
  readonly seq: number;
  next: RingNode;
  prev: RingNode;
  /** Picks served in the current visit (weights above 1 stay on a worker that many times). */
  served: number;
}

/**
 * Round-robin over the strategy's own ring of workers, built from `worker-added` /
 * `worker-removed` events (and from workers first seen among the candidates). A cursor
 * remembers the last worker picked; the next pick walks on from there, skipping workers that
 * are not candidates (`candidates.has`, O(1)). Joining and leaving never shifts the rotation,
 * unlike an index taken modulo a list that changes.
 *
 * Over a stable candidate set of n workers with weight 1, k picks give each worker ⌊k/n⌋ or ⌈k/n⌉.
 * A weight w ≥ 1 serves a worker round(w) times per visit; w < 1 (or slow start) skips it with
 * probability 1 − w.
 */
export function roundRobin(options: RoundRobinOptions = {}): InspectableStrategy {
  // Round-robin is the baseline: slow start is off unless asked for.
  const common = resolveCommon('roundRobin', options, 0);
  const maxWalk = options.maxWalk ?? 32;
  const byId = new Map<string, RingNode>();
  let head: RingNode | undefined;
  let cursor: RingNode | undefined;
  let seq = 0;
  let unknownViews = 0;
  let discoveryPending = false;
  let probe = 0;

  const add = (id: string, view: WorkerView | undefined): RingNode => {
    const existing = byId.get(id);
    if (existing) return existing;
    const node = { id, view, seq: seq++, served: 0 } as RingNode;
    if (head === undefined) {
      node.next = node;
      node.prev = node;
      head = node;
    } else {
      const tail = head.prev;
      node.prev = tail;
      node.next = head;
      tail.next = node;
      head.prev = node;
    }
    byId.set(id, node);
    if (view === undefined) unknownViews++;
    return node;
  };

  const remove = (id: string): void => {
    const node = byId.get(id);
    if (!node) return;
    byId.delete(id);
    if (node.view === undefined) unknownViews--;
    if (node.next === node) {
      head = undefined;
      cursor = undefined;
      return;
    }
    node.prev.next = node.next;
    node.next.prev = node.prev;
    if (head === node) head = node.next;
    // The cursor steps back so the rotation continues with the removed worker's successor.
    if (cursor === node) cursor = node.prev;
  };

  const learn = (view: WorkerView): RingNode => {
    const node = byId.get(view.id) ?? add(view.id, view);
    if (node.view !== view) {
      if (node.view === undefined) unknownViews--;
      node.view = view;
    }
    return node;
  };

  const discover = (candidates: Candidates): void => {
    for (let i = 0; i < candidates.length; i++) learn(candidates[i]!);
    discoveryPending = false;
  };

  /** Whether to take this node now, given its weight and slow start. */
  const accepts = (view: WorkerView, now: number): boolean => {
    const w =
      effectiveWeight(view) * slowStartFactor(view, now, common.slowStartMs, common.slowStartMinFactor);
    if (w >= 1) return true;
    return common.random() < w;
  };

  const take = (node: RingNode, view: WorkerView): WorkerView => {
    if (cursor !== node) {
      cursor = node;
      node.served = 0;
    }
    node.served++;
    return view;
  };

  const pick = (_task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n === 0) return undefined;
    // Learn views for workers announced by events, and (without events) sample one candidate
    // per pick so a worker that appears only in the candidates is found within n picks.
    if (discoveryPending && unknownViews > 0) discover(candidates);
    else {
      if (probe >= n) probe = 0;
      const c = candidates[probe++]!;
      if (byId.get(c.id)?.view !== c) discover(candidates);
    }
    const now = common.slowStartMs > 0 ? common.clock.now() : 0;
    // A worker with weight ≥ 2 is served round(weight) times in a row.
    if (cursor?.view !== undefined && candidates.has(cursor.view)) {
      const stay = Math.round(effectiveWeight(cursor.view));
      if (cursor.served < stay) return take(cursor, cursor.view);
    }
    let node = cursor ? cursor.next : head;
    for (let steps = 0; node !== undefined && steps < maxWalk; steps++, node = node.next) {
      const v = node.view;
      if (v !== undefined && candidates.has(v) && accepts(v, now)) return take(node, v);
    }
    // Few candidates among many workers: one pass over the candidates for the first one after
    // the cursor in ring order, ignoring slow start so the pick is never empty.
    const from = cursor?.seq ?? -1;
    let best: RingNode | undefined;
    let bestDist = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const c = candidates[i]!;
      const nd = learn(c);
      const dist = nd.seq > from ? nd.seq - from : nd.seq - from + seq + 1;
      if (dist < bestDist) {
        bestDist = dist;
        best = nd;
      }
    }
    return best?.view === undefined ? candidates[0] : take(best, best.view);
  };

  return {
    name: 'round-robin',
    events: ['worker-added', 'worker-removed'],
    select: (task, candidates) => constrained(task, candidates, pick),
    observe(events$: Observable<LoadEvent>): Unsubscribable {
      return events$.subscribe((e) => {
        if (e.type === 'worker-added') {
          add(e.worker, undefined);
          discoveryPending = true;
        } else if (e.type === 'worker-removed') remove(e.worker);
      });
    },
    trackedWorkers: () => [...byId.keys()],
  };
}
