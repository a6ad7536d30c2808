import {
  type Candidates,
  type Clock,
  createPool,
  type Failure,
  type LoadEvent,
  type PoolOptions,
  type Strategy,
  type TaskView,
  VirtualClock,
  type WorkerView,
} from '@switchyard/core';

/** Rotates through the candidates; enough for testing the pool without a strategies package. */
export function rotating(): Strategy {
  let i = 0;
  return {
    name: 'test-rotating',
    select: (_task: TaskView, candidates: Candidates): WorkerView | undefined =>
      candidates[i++ % candidates.length],
  };
}

/** Resolves after `ms` on the given clock; rejects with the signal's reason if it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settle a promise into a plain record so tests can look at it later without unhandled rejections. */
export function track<T>(p: Promise<T>): { done: boolean; ok?: boolean; value?: T; error?: unknown } {
  const r: { done: boolean; ok?: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => {
      r.done = true;
      r.ok = true;
      r.value = value;
    },
    (error: unknown) => {
      r.done = true;
      r.ok = false;
      r.error = error;
    },
  );
  return r;
}

/** An error that carries the failure `classifyCarried` should report for it, so a test scripts outcomes. */
export class FailsAs extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind);
  }
}

/** A `classify` for scripted errors: a `FailsAs` gives its failure, anything else is transient. */
export const classifyCarried = (error: unknown): Failure =>
  error instanceof FailsAs ? error.failure : { kind: 'transient' };

/** A pool on virtual time that records every event, with ejection off unless the options turn it on. */
export function virtualPool<R>(options: Partial<PoolOptions<R>> = {}) {
  const clock = new VirtualClock();
  const pool = createPool<R>({ strategy: rotating(), clock, ejection: false, ...options });
  const events: LoadEvent[] = [];
  pool.events$.subscribe((e) => events.push(e));
  return { clock, pool, events };
}
