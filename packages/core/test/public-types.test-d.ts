import {
  createPool,
  type EjectionOptions,
  type EjectionSnapshot,
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
      if (e.type === 'panic-mode') {
        expectTypeOf(e.active).toEqualTypeOf<boolean>();
        expectTypeOf(e.healthy).toEqualTypeOf<number>();
        expectTypeOf(e.workers).toEqualTypeOf<number>();
      }
      if (e.type === 'ejection-refused') {
        expectTypeOf(e.worker).toEqualTypeOf<string>();
        expectTypeOf(e.ejected).toEqualTypeOf<number>();
        expectTypeOf(e.maxEjected).toEqualTypeOf<number>();
      }
    };
    expectTypeOf(handle).toBeFunction();
  });

  it('types the ejection cap, panic mode and their snapshot', () => {
    expectTypeOf<EjectionOptions>().toHaveProperty('maxEjectionPercent').toEqualTypeOf<number>();
    expectTypeOf<EjectionOptions>().toHaveProperty('healthyPanicThreshold').toEqualTypeOf<number>();
    expectTypeOf<EjectionOptions>().toHaveProperty('panicHysteresisPercent').toEqualTypeOf<number>();
    const pool = createPool({
      strategy: { name: 'x', select: (_t, c) => c[0] },
      ejection: { maxEjectionPercent: 50, healthyPanicThreshold: 50, panicHysteresisPercent: 10 },
    });
    expectTypeOf(pool.snapshot().ejection).toEqualTypeOf<EjectionSnapshot>();
    expectTypeOf<EjectionSnapshot>().toEqualTypeOf<{
      readonly panic: boolean;
      readonly ejected: number;
      readonly maxEjected: number;
      readonly healthy: number;
      readonly workers: number;
    }>();
    expectTypeOf(pool.snapshot().workers[0]!.ejectedUntil).toEqualTypeOf<number | undefined>();
  });
});
