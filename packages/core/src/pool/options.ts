import type { Logger } from 'pino';
import type { InspectionEvent, Observer } from 'xstate';
import type { Clock, Failure, Random, RetryOptions, Strategy, TaskView } from '../types.js';
import type { EjectionOptions } from './ejection.js';
import type { RateLimit } from './startRate.js';

export type { EjectionOptions, RateLimit };

/** Options of `createPool`. An unknown key is refused with a `ValidationError`. */
export interface PoolOptions<R> {
  /** Picks a worker for each task. */
  strategy: Strategy;
  /** Maps an error to a Failure. Default: every error is `transient`. */
  classify?: (error: unknown, task: TaskView & { readonly worker: string; readonly resource: R }) => Failure;
  /** Concurrent tasks per kind, e.g. `{ scraping: 5 }`. */
  limits?: Readonly<Record<string, number>>;
  /** Transient retries: p-retry's options and schedule. */
  retry?: Partial<RetryOptions>;
  /**
   * Outlier ejection, its cap (`maxEjectionPercent`) and its panic mode (`healthyPanicThreshold`,
   * `panicHysteresisPercent`); `false` turns it all off.
   */
  ejection?: Partial<EjectionOptions> | false;
  /** Injected time. Default: the system clock. Waits of any length are supported. */
  clock?: Clock;
  /** Injected randomness in [0, 1). A value outside it is logged and replaced by `Math.random()`. */
  random?: Random;
  /** A pino logger; the pool logs through `child({ worker })` loggers. Silent by default. */
  logger?: Logger;
  /** How many recent run latencies feed the percentiles in `snapshot()`: 1 to 1,000,000. Default 10,000. */
  latencyWindow?: number;
  /**
   * Pool-wide start rates per kind, e.g. `{ sending: { perSecond: 30 } }`: a token bucket by
   * default, or a strict sliding window with `strict: true` (see `RateLimit`). A task waiting
   * for its rate holds no worker. Use it for limits that apply to the whole fleet.
   */
  rates?: Readonly<Record<string, RateLimit>>;
  /** Default `attemptTimeoutMs` for every task that sets none. */
  attemptTimeoutMs?: number;
  /**
   * XState's inspection hook (the `inspect` option of `createActor`), handed to every worker
   * actor the pool creates: a function, or an observer such as the `inspect` of an inspector
   * from `@statelyai/inspect`, so the Stately inspector can watch a live fleet. Each worker is
   * the root of its own actor system: it is announced by an `@xstate.actor` event, then
   * reports `@xstate.event` and `@xstate.snapshot` events. The load events the pool replays
   * from memory (a task starting or finishing on a worker in a state seen before) send no
   * `@xstate.microstep`. Default: no inspection, at no cost.
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}
