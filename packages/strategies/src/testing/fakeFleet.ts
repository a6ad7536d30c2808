import type {
  Candidates,
  Clock,
  FailureKind,
  LoadEvent,
  TaskView,
  WorkerState,
  WorkerView,
} from '@switchyard/core';
import { Subject } from 'rxjs';
import { candidatesOf } from '../candidates.js';

/** A worker record the fleet mutates, as the pool mutates its live records. */
export interface FakeWorker extends WorkerView {
  state: WorkerState;
  inFlight: number;
  capacity: number;
  capabilities: Set<string>;
  weight: number;
  readySince: number;
}

export interface FakeWorkerSpec {
  capacity?: number;
  capabilities?: readonly string[];
  weight?: number;
}

let nextTaskId = 1;

/** A task as the pool would show it to a strategy; fields default to an unconstrained task. */
export function makeTask(partial: Partial<TaskView> = {}): TaskView {
  return {
    id: partial.id ?? nextTaskId++,
    kind: partial.kind ?? 'other',
    priority: partial.priority ?? 0,
    requires: partial.requires ?? [],
    key: partial.key,
    affinity: partial.affinity ?? [],
    antiAffinity: partial.antiAffinity ?? [],
    attempt: partial.attempt ?? 1,
  };
}

/**
 * A stand-in for the pool, for strategy tests and the conformance kit: live worker records,
 * the same `LoadEvent`s the pool emits, and candidates with O(1) `has`. No timers, no tasks run.
 */
export class FakeFleet {
  readonly events$ = new Subject<LoadEvent>();
  readonly workers = new Map<string, FakeWorker>();
  readonly #clock: Pick<Clock, 'now'>;

  constructor(clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
  }

  add(id: string, spec: FakeWorkerSpec = {}): FakeWorker {
    const at = this.#clock.now();
    const w: FakeWorker = {
      id,
      state: 'connected',
      inFlight: 0,
      capacity: spec.capacity ?? 1,
      capabilities: new Set(spec.capabilities ?? []),
      weight: spec.weight ?? 1,
      addedAt: at,
      readySince: at,
    };
    this.workers.set(id, w);
    this.#emit({
      type: 'worker-added',
      at,
      worker: id,
      capacity: w.capacity,
      capabilities: [...w.capabilities],
      weight: w.weight,
    });
    return w;
  }

  remove(id: string): void {
    if (!this.workers.delete(id)) return;
    this.#emit({ type: 'worker-removed', at: this.#clock.now(), worker: id });
  }

  setState(id: string, to: WorkerState, reason = 'test'): void {
    const w = this.workers.get(id);
    if (!w || w.state === to) return;
    const from = w.state;
    w.state = to;
    if (to === 'connected' && (from === 'backoff' || from === 'disconnected'))
      w.readySince = this.#clock.now();
    this.#emit({ type: 'worker-state', at: this.#clock.now(), worker: id, from, to, reason });
  }

  /** Workers that could take a task now: connected (not busy, backoff or disconnected). */
  ready(): FakeWorker[] {
    const out: FakeWorker[] = [];
    for (const w of this.workers.values())
      if (w.state === 'connected' && w.inFlight < w.capacity) out.push(w);
    return out;
  }

  candidates(filter?: (w: FakeWorker) => boolean): Candidates & readonly FakeWorker[] {
    const ready = this.ready();
    return candidatesOf(filter ? ready.filter(filter) : ready);
  }

  assign(task: TaskView, worker: WorkerView): void {
    const w = this.workers.get(worker.id);
    if (!w) return;
    w.inFlight++;
    this.#emit({
      type: 'task-assigned',
      at: this.#clock.now(),
      task: task.id,
      kind: task.kind,
      worker: w.id,
      attempt: task.attempt,
    });
    if (w.inFlight >= w.capacity) this.setState(w.id, 'busy', 'capacity');
  }

  succeed(task: TaskView, workerId: string, latencyMs: number): void {
    if (!this.#release(workerId)) return;
    this.#emit({
      type: 'task-succeeded',
      at: this.#clock.now(),
      task: task.id,
      kind: task.kind,
      worker: workerId,
      attempt: task.attempt,
      latencyMs,
    });
  }

  fail(
    task: TaskView,
    workerId: string,
    failure: FailureKind,
    latencyMs: number,
    retryAfterMs?: number,
  ): void {
    if (!this.#release(workerId)) return;
    this.#emit({
      type: 'task-failed',
      at: this.#clock.now(),
      task: task.id,
      kind: task.kind,
      worker: workerId,
      attempt: task.attempt,
      latencyMs,
      failure,
      willRetry: failure !== 'permanent',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  #release(id: string): boolean {
    const w = this.workers.get(id);
    if (!w || w.inFlight === 0) return false;
    w.inFlight--;
    if (w.state === 'busy') this.setState(id, 'connected', 'slot-freed');
    return true;
  }

  #emit(e: LoadEvent): void {
    this.events$.next(e);
  }
}
