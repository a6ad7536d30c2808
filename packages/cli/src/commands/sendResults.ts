import { type BulkSendReport, type MessageResult, SEND_TO_STRANGERS } from '@switchyard/telegram-adapter';
import { iso } from '../io.js';
import type { Follow } from '../run.js';

/** How a send's results are counted, printed and summed up (`send` and `campaign resume`). */
export function followSend(
  campaign: string,
  total: number,
  resumeHint: string,
): Follow<MessageResult, BulkSendReport> {
  return {
    label: `campaign ${campaign}`,
    total,
    resumeHint,
    needs: [SEND_TO_STRANGERS],
    settled: (r) => ({ outcome: r.outcome, session: r.sessionUsed, fromJournal: r.fromJournal === true }),
    jsonOf: (r) => ({
      type: 'result',
      recipient: r.recipient,
      outcome: r.outcome,
      session: r.sessionUsed,
      error: r.error ?? null,
      attempts: r.attempts,
      ...(r.duplicateOf === undefined ? {} : { duplicateOf: r.duplicateOf }),
      fromJournal: r.fromJournal === true,
      time: iso(r.timestamp),
    }),
    summary: (report, tally) => {
      const byError = report?.summary.byError ?? {};
      const json = {
        campaign,
        total: tally.total,
        settled: tally.settled,
        sent: tally.sent,
        failed: tally.failed,
        skipped: tally.skipped,
        unknown: tally.unknown,
        fromJournal: tally.fromJournal,
        byError,
        bySession: Object.fromEntries(tally.bySession),
      };
      const errors = Object.entries(byError)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`);
      return {
        json,
        lines: [
          `campaign ${campaign}: ${tally.settled}/${tally.total} settled (${tally.fromJournal} from the journal) · sent ${tally.sent} · failed ${tally.failed} · skipped ${tally.skipped} · unknown ${tally.unknown}`,
          ...(errors.length === 0 ? [] : [`errors: ${errors.join(', ')}`]),
          ...(tally.unknown > 0
            ? [
                `unknown: the outcome of ${tally.unknown} send(s) can no longer be learnt; check them by hand (switchyard campaign export ${campaign})`,
              ]
            : []),
        ],
      };
    },
  };
}
