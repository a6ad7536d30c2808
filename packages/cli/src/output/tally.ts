/** One settled item as the progress view counts it. */
export interface Settled {
  readonly outcome: 'sent' | 'failed' | 'skipped' | 'unknown';
  readonly session: string | null;
}

/** Running counts of a run, fed by its results as they settle. */
export class Tally {
  total: number;
  settled = 0;
  sent = 0;
  failed = 0;
  skipped = 0;
  unknown = 0;
  /** Of `settled`, those read back from the journal (settled by an earlier run). */
  fromJournal = 0;
  readonly bySession = new Map<string, { sent: number; failed: number }>();

  constructor(total: number) {
    this.total = total;
  }

  add(item: Settled, fromJournal = false): void {
    this.settled++;
    if (fromJournal) this.fromJournal++;
    this[item.outcome]++;
    if (item.session !== null && (item.outcome === 'sent' || item.outcome === 'failed')) {
      const s = this.bySession.get(item.session) ?? { sent: 0, failed: 0 };
      if (item.outcome === 'sent') s.sent++;
      else s.failed++;
      this.bySession.set(item.session, s);
    }
  }
}
