import type { Candidates, LoadEvent, LoadEventType, TaskView, WorkerView } from '@switchyard/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { constrained } from './candidates.js';
import type { InspectableStrategy } from './inspectable.js';
import { type CommonStrategyOptions, resolveCommon } from './options.js';
import { effectiveWeight, slowStartFactor } from './slowStart.js';

export type LeastLoadedOptions = CommonStrategyOptions;

/** Below this many candidates one pass over them is as cheap as the index. */
const MIN_INDEXED = 64;
/** Heap nodes a pick may inspect before it gives up on the index and scans the candidates. */
const SEARCH_BUDGET = 64;
/** With more workers than this not yet seen among the candidates, learn them by one scan. */
const MAX_UNKNOWN_CHECK = 16;

/** The events `observe` reads; the pool builds no others for this strategy. */
const EVENTS: readonly LoadEventType[] = [
  'worker-added',
  'worker-updated',
  'worker-removed',
  'worker-state',
  'task-assigned',
  'task-succeeded',
  'task-failed',
  'task-cancelled',
];

interface Entry {
  readonly id: string;
  /** The live view, once the worker has been seen among the candidates. */
  view: WorkerView | undefined;
  /**
   * Heap key: a lower bound of the worker's relative load, `inFlight / (capacity × weight)`
   * without slow start's extra task (which only shrinks over time). Infinity for capacity 0
   * and for a worker in backoff or disconnected, which the pool never offers.
   */
  key: number;
  /** Rotation among equal loads: the lower goes first; a pick moves the worker to the back. */
  order: number;
  /** Index in the heap, -1 when not in it (view not known yet). */
  pos: number;
  // What the events said about a worker whose view is not known yet, to tell whether it may
  // be among a task's candidates.
  caps: readonly string[];
  capacity: number;
  ready: boolean;
}

/**
 * The candidate with the lowest relative load, `inFlight / (capacity × weight)`. It reads the
 * pool's live `inFlight`, which the pool raises at the moment of assignment, so a burst of
 * assignments spreads out instead of landing on one worker. Ties rotate, so equally loaded
 * workers take turns.
 *
 * A worker in slow start counts as carrying up to one extra task, so it is not flooded just
 * because it is empty; with probability equal to its slow-start factor (at least
 * `slowStartMinFactor`) a pick leaves that task out, so a new worker is probed even on an idle
 * pool where every load is 0, and its share there grows with the factor. Capacity 0 counts as
 * full (never NaN).
 *
 * Weights count only once workers carry work: while the pool is idle or lightly loaded every
 * load is 0 (or ties), ties rotate, and workers weighted 1:2 get equal picks. For weights as
 * proportions at every load level use `p2cPeakEwma` or `smoothWeightedRoundRobin`.
 *
 * Inside a pool (with `observe`) it keeps a binary min-heap of workers keyed by (load, rotation
 * order), updated from load events, and a pick costs O(log n): the top of the heap, checked
 * against the candidates (`has`) and the live view. Each key is a lower bound of the worker's
 * load, so a pick walks down the heap only past workers that are not candidates or are in slow
 * start, and stops as soon as no key can beat the best candidate found. Without events, with
 * fewer than 64 candidates, or when most indexed workers are not candidates, it makes one pass
 * over the candidates, as it does when the heap walk exceeds its budget (for example while
 * many equally loaded workers are all in slow start, such as just after they joined together).
 */
export function leastLoaded(options: LeastLoadedOptions = {}): InspectableStrategy {
  const common = resolveCommon('leastLoaded', options, 10_000);
  const slowStartMs = common.slowStartMs;
  let start = 0;

  // ─── the index (only while observing events) ───────────────────────────────
  let observed = false;
  const byId = new Map<string, Entry>();
  /** Workers announced by events whose view has not been seen among the candidates yet. */
  const unknown = new Set<Entry>();
  const heap: Entry[] = [];
  /** Heap entries keyed Infinity (not ready, or capacity 0). */
  let infinite = 0;
  let nextOrder = 0;
  let probe = 0;
  const stack = new Int32Array(2 * SEARCH_BUDGET + 2);
  const stale: (Entry | undefined)[] = new Array(SEARCH_BUDGET + 1).fill(undefined);

  /**
   * The load the pick compares: the lower bound plus slow start's extra task. A worker in slow
   * start is probed: with probability equal to its slow-start factor the extra task is left out,
   * so on an idle pool (all loads 0) it still wins its turn that often and ramps up to a full share.
   */
  // One draw per pick, shared by every candidate: workers in the same stage of slow start keep
  // equal loads, so their ties still go by rotation.
  let draw = 1;
  const loadOf = (w: WorkerView, now: number): number => {
    const cap = w.capacity;
    if (!(cap > 0)) return Number.POSITIVE_INFINITY;
    let ramp = 0;
    if (slowStartMs > 0) {
      const f = slowStartFactor(w, now, slowStartMs, common.slowStartMinFactor);
      if (f < 1 && !(draw < f)) ramp = 1 - f;
    }
    return (w.inFlight + ramp) / (cap * effectiveWeight(w));
  };

  /** The heap key from the live view, counting `delta` more tasks (−1: a task about to release its slot). */
  const keyOf = (w: WorkerView, delta: number): number => {
    const cap = w.capacity;
    if (!(cap > 0)) return Number.POSITIVE_INFINITY;
    const s = w.state;
    if (s === 'backoff' || s === 'disconnected') return Number.POSITIVE_INFINITY;
    const f = w.inFlight + delta;
    // biome-ignore lint/complexity/useMathMinMax: Math.max would let a NaN through into the heap
    return (f > 0 ? f : 0) / (cap * effectiveWeight(w));
  };

  const less = (a: Entry, b: Entry): boolean => a.key < b.key || (a.key === b.key && a.order < b.order);

  const siftUp = (i: number): void => {
    const e = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = heap[p]!;
      if (!less(e, pe)) break;
      heap[i] = pe;
      pe.pos = i;
      i = p;
    }
    heap[i] = e;
    e.pos = i;
  };

  const siftDown = (i: number): void => {
    const e = heap[i]!;
    const size = heap.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && less(heap[c + 1]!, heap[c]!)) c++;
      const ce = heap[c]!;
      if (!less(ce, e)) break;
      heap[i] = ce;
      ce.pos = i;
      i = c;
    }
    heap[i] = e;
    e.pos = i;
  };

  const setKey = (e: Entry, key: number): void => {
    const old = e.key;
    if (old === key) return;
    if (old === Number.POSITIVE_INFINITY) infinite--;
    if (key === Number.POSITIVE_INFINITY) infinite++;
    e.key = key;
    if (key < old) siftUp(e.pos);
    else siftDown(e.pos);
  };

  const insert = (e: Entry): void => {
    e.key = keyOf(e.view!, 0);
    if (e.key === Number.POSITIVE_INFINITY) infinite++;
    e.pos = heap.length;
    heap.push(e);
    siftUp(e.pos);
  };

  const removeFromHeap = (e: Entry): void => {
    const i = e.pos;
    if (i < 0) return;
    if (e.key === Number.POSITIVE_INFINITY) infinite--;
    const last = heap.pop()!;
    if (last !== e) {
      heap[i] = last;
      last.pos = i;
      siftUp(i);
      siftDown(last.pos);
    }
    e.pos = -1;
  };

  const entryFor = (id: string): Entry => {
    let e = byId.get(id);
    if (e === undefined) {
      e = {
        id,
        view: undefined,
        key: 0,
        order: nextOrder++,
        pos: -1,
        caps: [],
        capacity: 1,
        ready: true,
      };
      byId.set(id, e);
      unknown.add(e);
    }
    return e;
  };

  const refresh = (id: string, delta: number): void => {
    const e = byId.get(id);
    if (e?.view !== undefined) setKey(e, keyOf(e.view, delta));
  };

  /** Index a view seen among the candidates. */
  const learn = (w: WorkerView): void => {
    const e = entryFor(w.id);
    if (e.view === w) return;
    e.view = w;
    unknown.delete(e);
    if (e.pos < 0) insert(e);
    else setKey(e, keyOf(w, 0));
  };

  /** Whether a worker the index has not seen yet may be among this task's candidates. */
  const mayMissUnknown = (task: TaskView): boolean => {
    if (unknown.size === 0) return false;
    if (unknown.size > MAX_UNKNOWN_CHECK) return true;
    for (const e of unknown) {
      if (!e.ready || !(e.capacity > 0) || task.antiAffinity.includes(e.id)) continue;
      let fits = true;
      for (const r of task.requires) {
        if (!e.caps.includes(r)) {
          fits = false;
          break;
        }
      }
      if (fits) return true;
    }
    return false;
  };

  /** Move a picked worker behind the others with the same load. */
  const rotate = (e: Entry): void => {
    e.order = nextOrder++;
    siftDown(e.pos);
  };

  /**
   * Best-first walk down the heap: a node is inspected only if its key (a lower bound) can still
   * beat the best candidate found, so with an exact key at the top it inspects one node.
   * Undefined when the walk exceeds its budget or finds no candidate.
   */
  const searchIndex = (candidates: Candidates, now: number): WorkerView | undefined => {
    const size = heap.length;
    if (size === 0) return undefined;
    let best: Entry | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    let bestOrder = Number.POSITIVE_INFINITY;
    let sp = 0;
    let visits = 0;
    let nStale = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const i = stack[--sp]!;
      const e = heap[i]!;
      const key = e.key;
      if (key > bestLoad || (key === bestLoad && e.order >= bestOrder)) continue;
      if (++visits > SEARCH_BUDGET) {
        best = undefined;
        break;
      }
      const w = e.view!;
      if (keyOf(w, 0) !== key) stale[nStale++] = e;
      if (candidates.has(w)) {
        const load = loadOf(w, now);
        if (load < bestLoad || (load === bestLoad && e.order < bestOrder)) {
          best = e;
          bestLoad = load;
          bestOrder = e.order;
        }
      }
      const l = 2 * i + 1;
      if (l < size) {
        const r = l + 1;
        // Push the larger child first so the smaller is inspected first.
        if (r < size) {
          if (less(heap[r]!, heap[l]!)) {
            stack[sp++] = l;
            stack[sp++] = r;
          } else {
            stack[sp++] = r;
            stack[sp++] = l;
          }
        } else stack[sp++] = l;
      }
    }
    // Keys found out of date (a view changed without an event) are corrected now that the walk is over.
    for (let k = 0; k < nStale; k++) {
      const e = stale[k]!;
      stale[k] = undefined;
      if (e.pos >= 0 && e.view !== undefined) setKey(e, keyOf(e.view, 0));
    }
    if (best === undefined) return undefined;
    rotate(best);
    return best.view;
  };

  /** One pass over the candidates; with `index`, it also indexes each view it has not seen. */
  const scan = (candidates: Candidates, now: number, index: boolean): WorkerView | undefined => {
    const n = candidates.length;
    if (start >= n) start = 0;
    let best: WorkerView | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let k = 0, i = start; k < n; k++, i++) {
      if (i === n) i = 0;
      const w = candidates[i]!;
      if (index) learn(w);
      const load = loadOf(w, now);
      if (load < bestLoad || best === undefined) {
        bestLoad = load;
        best = w;
        // Load 0 is the minimum: stop here (unless indexing); the rotating start makes idle workers take turns.
        if (load === 0 && !index) break;
      }
    }
    start++;
    // Keep the index's rotation in step: the worker picked goes behind its equals there too.
    if (observed && best !== undefined) {
      const e = byId.get(best.id);
      if (e?.view === best && e.pos >= 0) rotate(e);
    }
    return best;
  };

  const pick = (task: TaskView, candidates: Candidates): WorkerView | undefined => {
    const n = candidates.length;
    if (n === 0) return undefined;
    const now = slowStartMs > 0 ? common.clock.now() : 0;
    if (slowStartMs > 0) draw = common.random();
    if (!observed || n < MIN_INDEXED) return scan(candidates, now, false);
    // Every candidate must be in the index: learn the views of workers not seen yet, and (for
    // workers no event announced) check one candidate per pick, so each is found within n picks.
    if (mayMissUnknown(task)) return scan(candidates, now, true);
    if (probe >= n) probe = 0;
    const c = candidates[probe++]!;
    if (byId.get(c.id)?.view !== c) return scan(candidates, now, true);
    // Most indexed workers are not candidates: the walk would mostly skip.
    if (2 * n < heap.length - infinite) return scan(candidates, now, false);
    return searchIndex(candidates, now) ?? scan(candidates, now, false);
  };

  const onEvent = (e: LoadEvent): void => {
    switch (e.type) {
      case 'task-assigned':
        // The pool raised the worker's inFlight just before this event.
        refresh(e.worker, 0);
        break;
      case 'task-succeeded':
      case 'task-failed':
        // Emitted before the slot is released: the view still counts the finishing task.
        refresh(e.worker, -1);
        break;
      case 'task-cancelled':
        if (e.worker !== undefined) refresh(e.worker, -1);
        break;
      case 'worker-state': {
        const en = byId.get(e.worker);
        if (en === undefined) break;
        if (en.view === undefined) en.ready = e.to !== 'backoff' && e.to !== 'disconnected';
        else setKey(en, keyOf(en.view, 0));
        break;
      }
      case 'worker-added':
      case 'worker-updated': {
        const en = entryFor(e.worker);
        if (en.view === undefined) {
          en.caps = e.capabilities;
          en.capacity = e.capacity;
        } else setKey(en, keyOf(en.view, 0));
        break;
      }
      case 'worker-removed': {
        const en = byId.get(e.worker);
        if (en === undefined) break;
        byId.delete(e.worker);
        unknown.delete(en);
        removeFromHeap(en);
        en.view = undefined;
        break;
      }
      default:
        break;
    }
  };

  const reset = (): void => {
    observed = false;
    byId.clear();
    unknown.clear();
    heap.length = 0;
    infinite = 0;
  };

  return {
    name: 'least-loaded',
    events: EVENTS,
    select: (task, candidates) => constrained(task, candidates, pick),
    observe(events$: Observable<LoadEvent>): Unsubscribable {
      reset();
      observed = true;
      const sub = events$.subscribe(onEvent);
      return {
        unsubscribe: () => {
          sub.unsubscribe();
          reset();
        },
      };
    },
    trackedWorkers: () => [...byId.keys()],
  };
}
