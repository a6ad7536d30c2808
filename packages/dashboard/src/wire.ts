/**
 * What the dashboard sends to the page: `GET /state` answers a `DashboardSnapshot`, and
 * `GET /events` streams one `state` event (a `DashboardSnapshot`) then `delta` events
 * (`DashboardDelta`). Every field is built from an allow-list (names, states, counts and clock
 * times), never by serialising the manager's objects, so no session string, API hash or phone
 * number can reach the page.
 * @module
 */

/** A session's state as the page colours it. */
export type SessionState =
  /** Connected, nothing in flight. */
  | 'idle'
  /** Connected, some requests in flight, room for more. */
  | 'sending'
  /** At capacity. */
  | 'busy'
  /** Waiting out a flood wait (or another backoff). */
  | 'backoff'
  /**
   * Connected, but sending to strangers is taken away for now (a spam restriction or a freeze):
   * see `sessionState`. A session that lost only another capability shows by its load.
   */
  | 'restricted'
  | 'reconnecting'
  | 'dead'
  /** In a cluster, another node holds the session. */
  | 'refused';

export const SESSION_STATES: readonly SessionState[] = [
  'idle',
  'sending',
  'busy',
  'backoff',
  'restricted',
  'reconnecting',
  'dead',
  'refused',
];

/** One session's row. */
export interface SessionRow {
  readonly name: string;
  readonly state: SessionState;
  readonly inFlight: number;
  readonly capacity: number;
  /** Messages this session sent, in the tracked operations. */
  readonly sent: number;
  /** Messages that failed on this session (it was the last to try), in the tracked operations. */
  readonly failed: number;
  /** Capabilities taken away for now (e.g. `send-to-strangers`, or `scrape` once its daily quota is spent). */
  readonly restricted: readonly string[];
  /** While in backoff: the campaign clock time it ends. */
  readonly backoffUntil?: number;
}

/** One point of the throughput and queue charts, taken at most 4 times a (real) second. */
export interface Sample {
  /** Campaign clock time, ms. */
  readonly t: number;
  /** Send tasks that succeeded per campaign second since the previous sample. */
  readonly sendsPerSecond: number;
  /** Tasks waiting (queued, or for a retry or hold timer). */
  readonly queued: number;
  readonly inFlight: number;
}

/** A session entering a state, at a campaign clock time: the page's timeline. */
export interface Transition {
  readonly at: number;
  readonly session: string;
  readonly state: SessionState;
}

/** Something worth a line in the event log, as it happens. */
export interface LogEntry {
  /** Campaign clock time. */
  readonly at: number;
  /** Real time (ms since the epoch). */
  readonly realAt: number;
  readonly kind: 'flood-wait' | 'restricted' | 'dead' | 'reconnecting';
  readonly session: string;
  /** E.g. `FLOOD_WAIT_30 (30 s)` or `send-to-strangers until 14:02`. Codes and numbers only. */
  readonly detail: string;
}

/** Outcome counts of a tracked operation (or of all of them). */
export interface Counts {
  readonly settled: number;
  readonly sent: number;
  readonly failed: number;
  readonly skipped: number;
  readonly unknown: number;
}

/** A tracked bulk operation's progress. */
export interface CampaignView extends Counts {
  readonly name: string;
  /** Items in the operation, when known. */
  readonly total: number | null;
  /** Settled by an earlier run (read from the journal), included in `settled`. */
  readonly fromJournal: number;
  /** Campaign clock time when it was tracked. */
  readonly startedAt: number;
  /** `done`: every item settled; `failed`: the operation itself failed (e.g. no live session left). */
  readonly status: 'running' | 'done' | 'failed';
  /**
   * Running, but nothing of it settled in this run yet while an operation tracked before it
   * still runs: its items wait behind that one's. The page shows it as `waiting`. Always false
   * for the whole (`total`).
   */
  readonly waiting: boolean;
  /**
   * Campaign time left, ms; null when unknown. For one operation: its remaining items at its own
   * recent rate, but never later than the fleet (at its recent rate over every tracked operation)
   * takes to settle everything tracked; while it settles nothing behind an operation tracked
   * before it, the fleet's time for what remains of those ahead plus its own. For the whole:
   * everything remaining at the fleet's recent rate.
   */
  readonly etaMs: number | null;
  /** The same in real time, at the clock's observed speed, ms; null when unknown. */
  readonly etaRealMs: number | null;
}

/**
 * What changed since the previous event (`event: delta`): the sessions whose row changed, the
 * new samples, transitions and log entries, and every campaign (there are few).
 */
export interface DashboardDelta {
  /** Campaign clock time now. */
  readonly at: number;
  /** Real time now (ms since the epoch). */
  readonly realAt: number;
  readonly sessions: readonly SessionRow[];
  /** Every tracked operation, then their sum under `total`. */
  readonly campaigns: readonly CampaignView[];
  readonly total: CampaignView;
  readonly samples: readonly Sample[];
  readonly transitions: readonly Transition[];
  readonly log: readonly LogEntry[];
}

/**
 * Everything the page shows (`GET /state`, and the first event of `/events`, `event: state`):
 * a delta from nothing. `sessions` has every session; `samples`, `transitions` and `log` the
 * recent history, oldest first (at most `MAX_SAMPLES`, `MAX_TRANSITIONS_PER_SESSION` per
 * session and `MAX_LOG`).
 */
export interface DashboardSnapshot extends DashboardDelta {
  readonly title: string;
  /** The fleet-wide cap on sends per second, drawn on the throughput chart. */
  readonly fleetSendsPerSecond: number;
}

/** How much history the server keeps (and the snapshot carries). */
export const MAX_SAMPLES = 2400;
/** State changes kept per session for the timeline: 200 sessions × 400 stays a few MB at most. */
export const MAX_TRANSITIONS_PER_SESSION = 400;
export const MAX_LOG = 500;
