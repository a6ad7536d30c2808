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
  /**
   * One result per recipient, keyed by the recipient as given, when the recipients were an
   * array. Empty when they were a stream: a stream of any length is sent in flat memory, so its
   * results are only streamed (`results$`, which then keeps nothing for late subscribers), and
   * the summary counts them all.
   */
  readonly results: Map<string, MessageResult>;
  readonly summary: BulkSendSummary;
}

/** Counts results as they settle, in constant memory per result. */
export class SummaryCounter {
  #total = 0;
  #sent = 0;
  #failed = 0;
  #skipped = 0;
  #unknown = 0;
  readonly #bySession: Record<string, { sent: number; failed: number }> = {};
  readonly #byError: Record<string, number> = {};

  add(r: MessageResult): void {
    this.#total++;
    if (r.outcome === 'sent') this.#sent++;
    else if (r.outcome === 'failed') this.#failed++;
    else if (r.outcome === 'unknown') this.#unknown++;
    else this.#skipped++;
    if (r.sessionUsed !== null && r.outcome !== 'skipped') {
      const s = this.#bySession[r.sessionUsed] ?? { sent: 0, failed: 0 };
      this.#bySession[r.sessionUsed] = s;
      if (r.success) s.sent++;
      else s.failed++;
    }
    if (r.error !== undefined) this.#byError[r.error] = (this.#byError[r.error] ?? 0) + 1;
  }

  summary(): BulkSendSummary {
    return {
      total: this.#total,
      sent: this.#sent,
      failed: this.#failed,
      skipped: this.#skipped,
      unknown: this.#unknown,
      bySession: structuredClone(this.#bySession),
      byError: { ...this.#byError },
    };
  }
}

export function summarize(results: Iterable<MessageResult>): BulkSendSummary {
  const counter = new SummaryCounter();
  for (const r of results) counter.add(r);
  return counter.summary();
}
