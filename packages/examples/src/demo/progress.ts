import type { MessageResult } from '@switchyard/telegram-adapter';

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
    else this.skipped++;
    if (result.sessionUsed !== null && result.outcome !== 'skipped') {
      const tally = this.bySession.get(result.sessionUsed);
      if (tally) {
        if (result.success) tally.sent++;
        else tally.failed++;
      }
    }
  }
}
