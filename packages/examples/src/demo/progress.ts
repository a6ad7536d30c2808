import type { BulkSendSummary, MessageResult } from '@switchyard/telegram-adapter';

export interface SessionTally {
  sent: number;
  failed: number;
}

/** Running counts of a campaign, fed by the bulk operations' `results$`. */
export class CampaignProgress {
  readonly total: number;
  readonly results: MessageResult[] = [];
  sent = 0;
  failed = 0;
  skipped = 0;
  unknown = 0;
  readonly bySession = new Map<string, SessionTally>();

  constructor(total: number, sessions: readonly string[]) {
    this.total = total;
    for (const s of sessions) this.bySession.set(s, { sent: 0, failed: 0 });
  }

  get done(): number {
    return this.results.length;
  }

  record(result: MessageResult): void {
    this.results.push(result);
    if (result.outcome === 'sent') this.sent++;
    else if (result.outcome === 'failed') this.failed++;
    else if (result.outcome === 'skipped') this.skipped++;
    else this.unknown++;
    if (result.sessionUsed !== null && result.outcome !== 'skipped') {
      const tally = this.bySession.get(result.sessionUsed);
      if (tally) {
        if (result.success) tally.sent++;
        else tally.failed++;
      }
    }
  }
}

/** One summary for several bulk sends (the campaign's text and media sends). */
export function combineSummaries(summaries: readonly BulkSendSummary[]): BulkSendSummary {
  const bySession: Record<string, { sent: number; failed: number }> = {};
  const byError: Record<string, number> = {};
  let total = 0;
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  let unknown = 0;
  for (const s of summaries) {
    total += s.total;
    sent += s.sent;
    failed += s.failed;
    skipped += s.skipped;
    unknown += s.unknown;
    for (const [name, t] of Object.entries(s.bySession)) {
      const into = bySession[name] ?? { sent: 0, failed: 0 };
      bySession[name] = { sent: into.sent + t.sent, failed: into.failed + t.failed };
    }
    for (const [reason, n] of Object.entries(s.byError)) byError[reason] = (byError[reason] ?? 0) + n;
  }
  return { total, sent, failed, skipped, unknown, bySession, byError };
}
