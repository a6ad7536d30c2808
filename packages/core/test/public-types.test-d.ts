import {
  createPool,
  type Failure,
  type LoadEvent,
  type Pool,
  type Strategy,
  type TaskView,
  type WorkerState,
  type WorkerView,
} from '@switchyard/core';
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  it('carries the resource type from createPool to run', () => {
    const pool = createPool<{ token: string }>({ strategy: { name: 'x', select: (_t, c) => c[0] } });
    expectTypeOf(pool).toEqualTypeOf<Pool<{ token: string }>>();
    pool.submit({
      run: ({ resource, signal, attempt, worker }) => {
        expectTypeOf(resource).toEqualTypeOf<{ token: string }>();
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(attempt).toEqualTypeOf<number>();
        expectTypeOf(worker).toEqualTypeOf<string>();
        return 42;
      },
    });
    expectTypeOf(pool.submit({ run: async () => 'x' })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(pool.events$).toEqualTypeOf<Observable<LoadEvent>>();
  });

  it('accepts a plugin strategy written against plain arrays', () => {
    const plugin = {
      name: 'plain',
      select(_task: TaskView, candidates: readonly WorkerView[]): WorkerView | undefined {
        return candidates[0];
      },
    };
    expectTypeOf(plugin).toMatchTypeOf<Strategy>();
  });

  it('names the five failure kinds and four worker states', () => {
    expectTypeOf<Failure['kind']>().toEqualTypeOf<
      'transient' | 'rate-limited' | 'permanent' | 'worker-fatal' | 'unknown-outcome'
    >();
    expectTypeOf<WorkerState>().toEqualTypeOf<'connected' | 'busy' | 'backoff' | 'disconnected'>();
  });

  it('narrows load events by type', () => {
    const handle = (e: LoadEvent) => {
      if (e.type === 'task-succeeded') expectTypeOf(e.latencyMs).toEqualTypeOf<number>();
      if (e.type === 'worker-state') expectTypeOf(e.to).toEqualTypeOf<WorkerState>();
    };
    expectTypeOf(handle).toBeFunction();
  });
});
