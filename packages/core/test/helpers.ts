import type { Candidates, Clock, Strategy, TaskView, WorkerView } from '@switchyard/core';

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
