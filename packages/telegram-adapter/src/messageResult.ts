/** What happened to one recipient of a bulk send. */
export interface MessageResult {
  readonly recipient: string;
  readonly success: boolean;
  /**
   * `unknown` only in a campaign (see `campaign`): a send that may have left, whose session was
   * gone or dead when it was resumed, so it is never sent again (`error` is `UNKNOWN_OUTCOME`).
   */
  readonly outcome: 'sent' | 'failed' | 'skipped' | 'unknown';
  /** The session that sent it, or the last one that tried; null when none did. */
  readonly sessionUsed: string | null;
  /** Why it failed or was skipped: a Telegram error code (e.g. `USER_PRIVACY_RESTRICTED`) or a validation reason. */
  readonly error?: string;
  /**
   * For an item skipped as `duplicate recipient`: the recipient, as given, of the item that
   * carries the message to the same person (listed twice by spelling, or by username and id or
   * phone that resolved to the same user). That item's result says whether it arrived.
   */
  readonly duplicateOf?: string;
  readonly attempts: number;
  /** True when a campaign's earlier run settled this item: the result is read from the journal. */
  readonly fromJournal?: boolean;
  /** Clock time when the result was settled. */
  readonly timestamp: number;
}

export interface BulkSendSummary {
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
  readonly skipped: number;
  /** Campaign sends whose outcome is unknown (see `MessageResult.outcome`); 0 outside campaigns. */
  readonly unknown: number;
  readonly bySession: Readonly<Record<string, { readonly sent: number; readonly failed: number }>>;
  /** Failures and skips counted by reason. */
  readonly byError: Readonly<Record<string, number>>;
}

export interface BulkSendReport {
  readonly results: Map<string, MessageResult>;
  readonly summary: BulkSendSummary;
}

export function summarize(results: Iterable<MessageResult>): BulkSendSummary {
  let total = 0;
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  let unknown = 0;
  const bySession: Record<string, { sent: number; failed: number }> = {};
  const byError: Record<string, number> = {};
  for (const r of results) {
    total++;
    if (r.outcome === 'sent') sent++;
    else if (r.outcome === 'failed') failed++;
    else if (r.outcome === 'unknown') unknown++;
    else skipped++;
    if (r.sessionUsed !== null && r.outcome !== 'skipped') {
      const s = bySession[r.sessionUsed] ?? { sent: 0, failed: 0 };
      bySession[r.sessionUsed] = s;
      if (r.success) s.sent++;
      else s.failed++;
    }
    if (r.error !== undefined) byError[r.error] = (byError[r.error] ?? 0) + 1;
  }
  return { total, sent, failed, skipped, unknown, bySession, byError };
}
