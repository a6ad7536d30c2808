import { type SessionState, sessionState } from '@switchyard/dashboard';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';

/**
 * What the demo shows for a session: the dashboard's state (`sessionState`), with `idle` told
 * apart from `pacing`. A manager's own sessions are never `refused` (that is another node's).
 */
export type SessionDisplayState = Exclude<SessionState, 'refused'> | 'pacing';

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
  const info = manager.getSessionInfo(name);
  const state = sessionState(info, manager.pool.getWorker(name));
  // Free, but its pacing (delayMs) holds its next send back while sends wait: that is not idle.
  if (state === 'idle') return info.pacedUntil !== undefined && manager.pool.size > 0 ? 'pacing' : 'idle';
  // Only a session another node holds is refused, and those are not among the manager's names.
  return state === 'refused' ? 'reconnecting' : state;
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
