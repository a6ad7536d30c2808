import { assign, setup } from 'xstate';
import type { WorkerState } from '../types.js';

/**
 * The worker actor. It is the single source of truth for a worker's state and its in-flight
 * count: the pool reads both from the actor's snapshot and changes them only by sending events.
 *
 *   connected ─(in-flight reaches capacity)→ busy ─(a slot frees)→ connected
 *   connected | busy | backoff ─(RATE_LIMITED n ms)→ backoff ─(after exactly n ms)→ connected | busy
 *   backoff ─(SHORTEN_BACKOFF until t)→ backoff until t, or connected | busy when t is not after now
 *   any ─(CONNECTION_LOST)→ disconnected.reconnecting ─(CONNECTION_RESTORED)→ connected | busy
 *   any ─(FATAL)→ disconnected.dead (never leaves)
 *
 * In-flight work keeps running through backoff and disconnection, so TASK_FINISHED is accepted
 * in every state. TASK_STARTED is only accepted where the worker is ready. When a finished task's
 * slot passes straight to the next task, nothing in the actor changes, so the pool sends nothing.
 */
export interface WorkerContext {
  readonly id: string;
  readonly capacity: number;
  readonly inFlight: number;
  /** While in backoff: clock time when it ends. */
  readonly backoffUntil: number;
  /** Length of the current backoff timer, measured from the RATE_LIMITED event. */
  readonly backoffMs: number;
}

export interface WorkerInput {
  readonly id: string;
  readonly capacity: number;
}

export type WorkerEvent =
  /** A task started on a free slot. */
  | { readonly type: 'TASK_STARTED' }
  /** A task finished (success, failure, cancellation or timeout): its slot frees. */
  | { readonly type: 'TASK_FINISHED' }
  /** Back off for exactly `retryAfterMs` from `now`. A later deadline extends; an earlier one is ignored. */
  | { readonly type: 'RATE_LIMITED'; readonly now: number; readonly retryAfterMs: number }
  /** End a backoff at `until` instead, if that is earlier (the pool's panic mode lifts an ejection). */
  | { readonly type: 'SHORTEN_BACKOFF'; readonly now: number; readonly until: number }
  | { readonly type: 'CONNECTION_LOST' }
  /** `now` lets a backoff that was still running when the connection dropped resume for its remaining time. */
  | { readonly type: 'CONNECTION_RESTORED'; readonly now: number }
  | { readonly type: 'FATAL' }
  | { readonly type: 'SET_CAPACITY'; readonly capacity: number };

const fullAfterStart = ({ context }: { context: WorkerContext }) => context.inFlight + 1 >= context.capacity;
const full = ({ context }: { context: WorkerContext }) => context.inFlight >= context.capacity;

export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    events: {} as WorkerEvent,
    input: {} as WorkerInput,
  },
  guards: {
    fullAfterStart,
    full,
    notFullAfterFinish: ({ context }) => context.inFlight - 1 < context.capacity,
    extendsBackoff: ({ context, event }) =>
      event.type === 'RATE_LIMITED' && event.now + event.retryAfterMs > context.backoffUntil,
    stillBackingOff: ({ context, event }) =>
      event.type === 'CONNECTION_RESTORED' && context.backoffUntil > event.now,
    shortensBackoff: ({ context, event }) =>
      event.type === 'SHORTEN_BACKOFF' && event.until < context.backoffUntil,
    endsBackoffNow: ({ context, event }) =>
      event.type === 'SHORTEN_BACKOFF' && event.until < context.backoffUntil && event.until <= event.now,
    fullAndEndsBackoffNow: ({ context, event }) =>
      event.type === 'SHORTEN_BACKOFF' &&
      event.until < context.backoffUntil &&
      event.until <= event.now &&
      context.inFlight >= context.capacity,
    fullWithNewCapacity: ({ context, event }) =>
      event.type === 'SET_CAPACITY' && context.inFlight >= event.capacity,
  },
  actions: {
    startOne: assign({ inFlight: ({ context }) => context.inFlight + 1 }),
    finishOne: assign({ inFlight: ({ context }) => Math.max(0, context.inFlight - 1) }),
    extendBackoff: assign(({ context, event }) => {
      if (event.type !== 'RATE_LIMITED') return {};
      const until = Math.max(context.backoffUntil, event.now + Math.max(0, event.retryAfterMs));
      return { backoffUntil: until, backoffMs: until - event.now };
    }),
    clearBackoff: assign({ backoffUntil: 0, backoffMs: 0 }),
    shortenBackoff: assign(({ event }) =>
      event.type === 'SHORTEN_BACKOFF'
        ? { backoffUntil: event.until, backoffMs: event.until - event.now }
        : {},
    ),
    resumeBackoff: assign({
      backoffMs: ({ context, event }) =>
        event.type === 'CONNECTION_RESTORED' ? context.backoffUntil - event.now : context.backoffMs,
    }),
    setCapacity: assign({
      capacity: ({ context, event }) => (event.type === 'SET_CAPACITY' ? event.capacity : context.capacity),
    }),
  },
  delays: {
    backoffDelay: ({ context }) => context.backoffMs,
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({
    id: input.id,
    capacity: input.capacity,
    inFlight: 0,
    backoffUntil: 0,
    backoffMs: 0,
  }),
  initial: 'connected',
  on: {
    TASK_FINISHED: { actions: 'finishOne' },
    CONNECTION_LOST: { target: '.disconnected.reconnecting' },
    FATAL: { target: '.disconnected.dead' },
    SET_CAPACITY: { actions: 'setCapacity' },
  },
  states: {
    connected: {
      on: {
        TASK_STARTED: [
          { guard: 'fullAfterStart', target: 'busy', actions: 'startOne' },
          { actions: 'startOne' },
        ],
        RATE_LIMITED: { target: 'backoff', actions: 'extendBackoff' },
        SET_CAPACITY: [
          { guard: 'fullWithNewCapacity', target: 'busy', actions: 'setCapacity' },
          { actions: 'setCapacity' },
        ],
      },
    },
    busy: {
      on: {
        TASK_FINISHED: [
          { guard: 'notFullAfterFinish', target: 'connected', actions: 'finishOne' },
          { actions: 'finishOne' },
        ],
        RATE_LIMITED: { target: 'backoff', actions: 'extendBackoff' },
        SET_CAPACITY: [
          { guard: 'fullWithNewCapacity', actions: 'setCapacity' },
          { target: 'connected', actions: 'setCapacity' },
        ],
      },
    },
    backoff: {
      after: {
        backoffDelay: [
          { guard: 'full', target: 'busy', actions: 'clearBackoff' },
          { target: 'connected', actions: 'clearBackoff' },
        ],
      },
      on: {
        RATE_LIMITED: { guard: 'extendsBackoff', target: 'backoff', reenter: true, actions: 'extendBackoff' },
        SHORTEN_BACKOFF: [
          { guard: 'fullAndEndsBackoffNow', target: 'busy', actions: 'clearBackoff' },
          { guard: 'endsBackoffNow', target: 'connected', actions: 'clearBackoff' },
          { guard: 'shortensBackoff', target: 'backoff', reenter: true, actions: 'shortenBackoff' },
        ],
      },
    },
    disconnected: {
      initial: 'reconnecting',
      states: {
        reconnecting: {
          on: {
            CONNECTION_RESTORED: [
              // A flood wait outlives a reconnect: serve the rest of it.
              { guard: 'stillBackingOff', target: '#worker.backoff', actions: 'resumeBackoff' },
              { guard: 'full', target: '#worker.busy', actions: 'clearBackoff' },
              { target: '#worker.connected', actions: 'clearBackoff' },
            ],
            RATE_LIMITED: { actions: 'extendBackoff' },
            SHORTEN_BACKOFF: { guard: 'shortensBackoff', actions: 'shortenBackoff' },
          },
        },
        dead: {
          // Dead is for good: nothing but finishing in-flight work changes it.
          on: { CONNECTION_LOST: {}, FATAL: {}, RATE_LIMITED: {} },
        },
      },
    },
  },
});

export type WorkerMachine = typeof workerMachine;

/** The top-level state of a snapshot value. */
export function topState(value: unknown): WorkerState {
  return typeof value === 'string' ? (value as WorkerState) : 'disconnected';
}

/** The disconnected substate, if any. */
export function subState(value: unknown): 'reconnecting' | 'dead' | undefined {
  if (typeof value === 'object' && value !== null && 'disconnected' in value) {
    const d = (value as { disconnected: unknown }).disconnected;
    return d === 'dead' ? 'dead' : 'reconnecting';
  }
  return undefined;
}
