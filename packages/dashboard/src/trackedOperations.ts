import type { MessageResult } from '@switchyard/telegram-adapter';
import type { Observable, Unsubscribable } from 'rxjs';
import { type Eta, estimateEta, operationEta, type ProgressPoint } from './eta.js';
import type { CampaignView, Counts } from './wire.js';

/** What `track` needs of an operation: `BulkOperation.results$` of any bulk send or campaign. */
export interface TrackableOperation {
  readonly results$: Observable<Pick<MessageResult, 'outcome' | 'sessionUsed' | 'fromJournal'>>;
}

/** Real ms of readings the ETA's rate is taken over: long enough to smooth, short enough to follow. */
const ETA_WINDOW_REAL_MS = 10_000;

interface Mutable {
  settled: number;
  sent: number;
  failed: number;
  skipped: number;
  unknown: number;
  fromJournal: number;
}

const zero = (): Mutable => ({ settled: 0, sent: 0, failed: 0, skipped: 0, unknown: 0, fromJournal: 0 });

class Tracked {
  readonly counts = zero();
  status: CampaignView['status'] = 'running';
  readonly recent: ProgressPoint[] = [];
  subscription: Unsubscribable | undefined;
  constructor(
    readonly name: string,
    readonly total: number | null,
    readonly startedAt: number,
  ) {}
}

/**
 * The bulk operations the dashboard follows: their outcome counts, each session's sent and
 * failed, and an ETA. Counts only what a result says (outcome and session name), nothing else.
 */
export class TrackedOperations {
  readonly #operations: Tracked[] = [];
  readonly #bySession = new Map<string, { sent: number; failed: number }>();
  /** Readings of every operation together, for the ETA of the whole. */
  readonly #recent: ProgressPoint[] = [];
  /** Sessions whose counts changed since `takeChangedSessions`. */
  readonly #changed = new Set<string>();

  track(
    operation: TrackableOperation,
    info: { readonly name: string; readonly total: number | null },
    now: number,
  ): void {
    const t = new Tracked(info.name, info.total, now);
    this.#operations.push(t);
    t.subscription = operation.results$.subscribe({
      next: (r) => this.#record(t, r),
      complete: () => {
        t.status = 'done';
      },
      error: () => {
        t.status = 'failed';
      },
    });
  }

  #record(t: Tracked, r: Pick<MessageResult, 'outcome' | 'sessionUsed' | 'fromJournal'>): void {
    const c = t.counts;
    c.settled++;
    if (r.fromJournal === true) c.fromJournal++;
    if (r.outcome === 'sent' || r.outcome === 'failed' || r.outcome === 'skipped' || r.outcome === 'unknown')
      c[r.outcome]++;
    if ((r.outcome === 'sent' || r.outcome === 'failed') && typeof r.sessionUsed === 'string') {
      const s = this.#bySession.get(r.sessionUsed) ?? { sent: 0, failed: 0 };
      this.#bySession.set(r.sessionUsed, s);
      s[r.outcome]++;
      this.#changed.add(r.sessionUsed);
    }
  }

  /** A session's sent and failed over every tracked operation. */
  session(name: string): { readonly sent: number; readonly failed: number } {
    return this.#bySession.get(name) ?? { sent: 0, failed: 0 };
  }

  /** Sessions whose counts changed since the last call. */
  takeChangedSessions(): string[] {
    const names = [...this.#changed];
    this.#changed.clear();
    return names;
  }

  /** Record a reading for the ETAs (called at each sample). */
  sample(t: number, real: number): void {
    let settled = 0;
    for (const op of this.#operations) {
      const live = op.counts.settled - op.counts.fromJournal;
      settled += live;
      keepRecent(op.recent, { t, real, settled: live });
    }
    keepRecent(this.#recent, { t, real, settled });
  }

  /**
   * Every operation's view, then their sum. The operations share the fleet, in the order they
   * were tracked: see `operationEta` for how one's ETA allows for the others.
   */
  views(): { readonly campaigns: CampaignView[]; readonly total: CampaignView } {
    const left = (op: Tracked) => (op.total === null ? null : Math.max(0, op.total - op.counts.settled));
    const running = this.#operations.filter((op) => op.status === 'running');
    const all = running.some((op) => op.total === null)
      ? null
      : running.reduce((n, op) => n + (left(op) ?? 0), 0);
    /** Items left in the running operations tracked before this one; null once one has no known length. */
    let ahead: number | null = 0;
    let runningAhead = false;
    const campaigns = this.#operations.map((op) => {
      const mine = left(op);
      const eta =
        op.status !== 'running' || mine === null
          ? undefined
          : operationEta(mine, op.recent, { recent: this.#recent, ahead, all });
      // Nothing of it settled in this run while an operation ahead runs: it waits behind that one.
      const waiting = runningAhead && op.status === 'running' && op.counts.settled === op.counts.fromJournal;
      if (op.status === 'running') {
        ahead = ahead === null || mine === null ? null : ahead + mine;
        runningAhead = true;
      }
      return view(op.name, op.total, op.startedAt, op.status, waiting, op.counts, eta);
    });
    const sum = zero();
    const keys = Object.keys(sum) as (keyof Mutable)[];
    for (const op of this.#operations) for (const k of keys) sum[k] += op.counts[k];
    const known = this.#operations.length > 0 && this.#operations.every((op) => op.total !== null);
    const total = known ? this.#operations.reduce((n, op) => n + (op.total ?? 0), 0) : null;
    const status = this.#operations.some((op) => op.status === 'failed')
      ? 'failed'
      : this.#operations.some((op) => op.status === 'running')
        ? 'running'
        : 'done';
    const allStatus = this.#operations.length === 0 ? 'running' : status;
    // The operations share the fleet, so the whole goes at their summed rate.
    // Tracked in clock order: the first started first.
    const startedAt = this.#operations[0]?.startedAt ?? 0;
    const totalEta =
      allStatus === 'running' && total !== null ? estimateEta(total - sum.settled, this.#recent) : undefined;
    return { campaigns, total: view('all', total, startedAt, allStatus, false, sum, totalEta) };
  }

  /** Stop following every operation. */
  close(): void {
    for (const op of this.#operations) op.subscription?.unsubscribe();
  }
}

function keepRecent(recent: ProgressPoint[], point: ProgressPoint): void {
  recent.push(point);
  while (recent.length > 2 && point.real - (recent[0] as ProgressPoint).real > ETA_WINDOW_REAL_MS)
    recent.shift();
}

const counts = (c: Mutable): Counts => ({
  settled: c.settled,
  sent: c.sent,
  failed: c.failed,
  skipped: c.skipped,
  unknown: c.unknown,
});

/** `eta`: for a running operation of known length; otherwise 0 when done and null when not. */
function view(
  name: string,
  total: number | null,
  startedAt: number,
  status: CampaignView['status'],
  waiting: boolean,
  c: Mutable,
  eta: Eta | undefined,
): CampaignView {
  const shown = eta ?? (status === 'done' ? { etaMs: 0, etaRealMs: 0 } : { etaMs: null, etaRealMs: null });
  return { name, total, startedAt, status, waiting, ...counts(c), fromJournal: c.fromJournal, ...shown };
}
