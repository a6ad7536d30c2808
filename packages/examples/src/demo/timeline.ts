import type { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { SEND_TO_STRANGERS } from '@switchyard/telegram-adapter';

/** What the demo shows for a session: the worker's state, refined by what the adapter knows. */
export type SessionDisplayState =
  | 'idle'
  | 'pacing'
  | 'sending'
  | 'busy'
  | 'backoff'
  | 'restricted'
  | 'reconnecting'
  | 'dead';

export const DISPLAY_STATES: readonly SessionDisplayState[] = [
  'idle',
  'pacing',
  'sending',
  'busy',
  'backoff',
  'restricted',
  'reconnecting',
  'dead',
];

export interface Segment {
  readonly state: SessionDisplayState;
  readonly start: number;
  end: number;
}

/** A session's display state now, read from the pool's worker and the adapter's session info. */
export function displayState(manager: TelegramSessionManager, name: string): SessionDisplayState {
  const view = manager.pool.getWorker(name);
  const info = manager.getSessionInfo(name);
  if (info.connection === 'dead') return 'dead';
  if (view === undefined || view.state === 'disconnected') return 'reconnecting';
  if (view.state === 'backoff') return 'backoff';
  if (info.restricted[SEND_TO_STRANGERS] !== undefined) return 'restricted';
  if (view.state === 'busy') return 'busy';
  if (view.inFlight > 0) return 'sending';
  // Free, but its pacing (delayMs) holds its next send back while sends wait: that is not idle.
  return info.pacedUntil !== undefined && manager.pool.size > 0 ? 'pacing' : 'idle';
}

/**
 * Per-session state timelines. The clock driver calls `sample` after every step; state only
 * changes inside timer callbacks and the promises they release, so sampling then is exact.
 */
export class TimelineRecorder {
  readonly #stateOf: (name: string) => SessionDisplayState;
  readonly #segments = new Map<string, Segment[]>();

  /** Sessions `names`, whose state now `stateOf` tells. */
  constructor(names: readonly string[], stateOf: (name: string) => SessionDisplayState, start: number) {
    this.#stateOf = stateOf;
    for (const name of names) this.#segments.set(name, [{ state: stateOf(name), start, end: start }]);
  }

  /** A manager's sessions. */
  static of(manager: TelegramSessionManager, start: number): TimelineRecorder {
    return new TimelineRecorder(manager.sessionNames(), (name) => displayState(manager, name), start);
  }

  sample(now: number): void {
    for (const [name, segments] of this.#segments) {
      const last = segments[segments.length - 1]!;
      const state = this.#stateOf(name);
      last.end = now;
      if (state !== last.state) segments.push({ state, start: now, end: now });
    }
  }

  /** The timelines, closed at `end`. */
  finish(end: number): ReadonlyMap<string, readonly Segment[]> {
    for (const segments of this.#segments.values()) segments[segments.length - 1]!.end = end;
    return this.#segments;
  }

  /** Total time each session spent in each state. */
  static totals(segments: readonly Segment[]): Record<SessionDisplayState, number> {
    const totals = Object.fromEntries(DISPLAY_STATES.map((s) => [s, 0])) as Record<
      SessionDisplayState,
      number
    >;
    for (const s of segments) totals[s.state] += s.end - s.start;
    return totals;
  }
}

/** A number sampled over time (the pool's queue depth), kept only where it changes. */
export class SeriesRecorder {
  readonly #points: [number, number][] = [];

  sample(now: number, value: number): void {
    const last = this.#points[this.#points.length - 1];
    if (last !== undefined && last[1] === value) return;
    if (last !== undefined && last[0] === now) last[1] = value;
    else this.#points.push([now, value]);
  }

  /** `[time, value]` from each change on. */
  get points(): readonly (readonly [number, number])[] {
    return this.#points;
  }
}
