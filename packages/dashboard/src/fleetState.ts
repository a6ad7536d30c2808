import type { LoadEvent, WorkerSnapshot } from '@switchyard/core';
import type { SessionInfo } from '@switchyard/telegram-adapter';
import type { Subscription } from 'rxjs';
import type { DashboardSource } from './options.js';
import { sessionState } from './sessionState.js';
import { type TrackableOperation, TrackedOperations } from './trackedOperations.js';
import {
  type DashboardDelta,
  type DashboardSnapshot,
  type LogEntry,
  MAX_LOG,
  MAX_SAMPLES,
  MAX_TRANSITIONS_PER_SESSION,
  type Sample,
  type SessionRow,
  type Transition,
} from './wire.js';

/** The pool's task kind for sends (the one the fleet cap limits). */
const SENDING = 'sending';

/**
 * What the page shows, built from an allow-list of fields (names, states, counts, clock times)
 * read from the manager's snapshot and the pool's events. `sample()` reads the fleet once and
 * returns what changed; `snapshot()` is everything. Nothing here writes to the manager.
 */
export class FleetState {
  readonly #source: DashboardSource;
  readonly #clock: () => number;
  readonly #realClock: () => number;
  readonly #title: string;
  readonly #fleetSendsPerSecond: number;
  readonly #operations = new TrackedOperations();
  readonly #subscription: Subscription;
  readonly #rows = new Map<string, SessionRow>();
  readonly #transitions = new Map<string, Transition[]>();
  readonly #samples: Sample[] = [];
  readonly #log: LogEntry[] = [];
  /** What the next delta carries beyond the rows. */
  #pending: { samples: Sample[]; transitions: Transition[]; log: LogEntry[] } = {
    samples: [],
    transitions: [],
    log: [],
  };
  #sendsSucceeded = 0;
  #sendsAtLastSample = 0;

  constructor(options: {
    readonly source: DashboardSource;
    readonly clock: () => number;
    readonly realClock: () => number;
    readonly title: string;
    readonly fleetSendsPerSecond: number;
  }) {
    this.#source = options.source;
    this.#clock = options.clock;
    this.#realClock = options.realClock;
    this.#title = options.title;
    this.#fleetSendsPerSecond = options.fleetSendsPerSecond;
    this.#subscription = this.#source.pool.events$.subscribe((e) => this.#onEvent(e));
    this.sample();
  }

  track(operation: TrackableOperation, info: { readonly name: string; readonly total: number | null }): void {
    this.#operations.track(operation, info, this.#clock());
  }

  #onEvent(e: LoadEvent): void {
    if (e.type === 'task-succeeded' && e.kind === SENDING) this.#sendsSucceeded++;
    // A flood wait backs the session off (reason FLOOD_WAIT, for exactly the wait); the item's
    // own rate-limited failure only says where it goes next, so it is not logged.
    if (e.type === 'worker-state' && e.to === 'backoff') {
      const wait = e.backoffMs === undefined ? '' : ` (${formatSeconds(e.backoffMs)})`;
      this.#addLog(e.at, 'flood-wait', e.worker, `${safeCode(e.reason) ?? 'backoff'}${wait}`);
    }
  }

  #addLog(at: number, kind: LogEntry['kind'], session: string, detail: string): void {
    const entry: LogEntry = { at, realAt: this.#realClock(), kind, session, detail };
    this.#log.push(entry);
    if (this.#log.length > MAX_LOG) this.#log.shift();
    this.#pending.log.push(entry);
  }

  /** Read the fleet now: record a sample, state changes and restrictions; return what changed. */
  sample(): DashboardDelta {
    const at = this.#clock();
    const real = this.#realClock();
    const { pool, sessions } = this.#source.snapshot();
    const workers = new Map<string, WorkerSnapshot>(pool.workers.map((w) => [w.id, w]));
    const counted = new Set(this.#operations.takeChangedSessions());
    const changed: SessionRow[] = [];
    for (const info of sessions) {
      const before = this.#rows.get(info.name);
      const row = sessionRow(info, workers.get(info.name), this.#operations.session(info.name));
      if (before !== undefined && !counted.has(info.name) && sameRow(before, row)) continue;
      this.#rows.set(info.name, row);
      changed.push(row);
      if (before?.state !== row.state) this.#enter(at, row, before);
      for (const cap of row.restricted)
        if (!before?.restricted.includes(cap))
          this.#addLog(
            at,
            'restricted',
            row.name,
            `${cap} until +${formatSeconds((info.restricted[cap] ?? at) - at)}`,
          );
    }
    const last = this.#samples[this.#samples.length - 1];
    if (last === undefined || at > last.t) {
      const seconds = last === undefined ? 0 : (at - last.t) / 1000;
      const sends = this.#sendsSucceeded - this.#sendsAtLastSample;
      this.#sendsAtLastSample = this.#sendsSucceeded;
      const sample: Sample = {
        t: at,
        sendsPerSecond: seconds > 0 ? sends / seconds : 0,
        queued: pool.queued,
        inFlight: pool.inFlight,
      };
      this.#samples.push(sample);
      if (this.#samples.length > MAX_SAMPLES) this.#samples.shift();
      this.#pending.samples.push(sample);
    }
    this.#operations.sample(at, real);
    const { campaigns, total } = this.#operations.views();
    const pending = this.#pending;
    this.#pending = { samples: [], transitions: [], log: [] };
    return { at, realAt: real, sessions: changed, campaigns, total, ...pending };
  }

  #enter(at: number, row: SessionRow, before: SessionRow | undefined): void {
    const t: Transition = { at, session: row.name, state: row.state };
    const list = this.#transitions.get(row.name) ?? [];
    this.#transitions.set(row.name, list);
    list.push(t);
    if (list.length > MAX_TRANSITIONS_PER_SESSION) list.shift();
    this.#pending.transitions.push(t);
    if (before !== undefined && (row.state === 'dead' || row.state === 'reconnecting'))
      this.#addLog(at, row.state, row.name, `was ${before.state}`);
  }

  /** Everything, as the page starts from. */
  snapshot(): DashboardSnapshot {
    const { campaigns, total } = this.#operations.views();
    return {
      title: this.#title,
      at: this.#clock(),
      realAt: this.#realClock(),
      fleetSendsPerSecond: this.#fleetSendsPerSecond,
      sessions: [...this.#rows.values()],
      campaigns,
      total,
      samples: [...this.#samples],
      transitions: [...this.#transitions.values()].flat().sort((a, b) => a.at - b.at),
      log: [...this.#log],
    };
  }

  /** Stop reading the pool's events and the tracked operations. */
  close(): void {
    this.#subscription.unsubscribe();
    this.#operations.close();
  }
}

/** A session's row, from the allow-listed fields of its info and its worker. */
export function sessionRow(
  info: Pick<SessionInfo, 'name' | 'connection' | 'restricted'>,
  worker: Pick<WorkerSnapshot, 'state' | 'substate' | 'inFlight' | 'capacity' | 'backoffUntil'> | undefined,
  counts: { readonly sent: number; readonly failed: number },
): SessionRow {
  const restricted = Object.keys(info.restricted).filter((c) => /^[\w-]{1,64}$/.test(c));
  const state = sessionState(info, worker);
  return {
    name: String(info.name),
    state,
    inFlight: worker?.inFlight ?? 0,
    capacity: worker?.capacity ?? 0,
    sent: counts.sent,
    failed: counts.failed,
    restricted,
    ...(state === 'backoff' && worker?.backoffUntil !== undefined
      ? { backoffUntil: worker.backoffUntil }
      : {}),
  };
}

function sameRow(a: SessionRow, b: SessionRow): boolean {
  return (
    a.state === b.state &&
    a.inFlight === b.inFlight &&
    a.capacity === b.capacity &&
    a.sent === b.sent &&
    a.failed === b.failed &&
    a.backoffUntil === b.backoffUntil &&
    a.restricted.join() === b.restricted.join()
  );
}

/** A Telegram error code as such (`FLOOD_WAIT_30`), or nothing: free text never reaches the page. */
function safeCode(code: string | undefined): string | undefined {
  return code !== undefined && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
}

function formatSeconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}
