import type { BulkSendSummary, MessageResult } from '@switchyard/telegram-adapter';
import { type Audience, DeliveryLog, type FaultRecord, type SessionProfile } from '../simTelegram/index.js';
import { checkDeliveries, checkRows, type DeliveryCheck, formatCheck } from './deliveryCheck.js';
import { duration, table } from './format.js';
import { makespanLowerBound } from './lowerBound.js';
import type { SessionTally } from './progress.js';
import { renderReport } from './report.js';
import type { Segment } from './timeline.js';

/** What a finished demo campaign is reported from: one process's, or a cluster's. */
export interface CampaignRecord {
  readonly title: string;
  /** Who ran it: sessions, strategy, seed, pacing. */
  readonly subtitle: string;
  readonly audience: Audience;
  readonly profiles: readonly SessionProfile[];
  /** Every result, those read from a journal included. */
  readonly results: readonly MessageResult[];
  /** The results settled by this run (not read from a journal). */
  readonly settledNow: readonly MessageResult[];
  readonly summary: BulkSendSummary;
  readonly bySession: ReadonlyMap<string, SessionTally>;
  /** Every error the simulated Telegram answered with. */
  readonly faults: readonly FaultRecord[];
  /** The simulated Telegram's delivery logs (one per process that simulated it). */
  readonly deliveryLogs: readonly string[];
  /** Messages the simulated Telegram accepted in this run. Default: every delivery in the logs. */
  readonly deliveredNow?: number;
  readonly timelines: ReadonlyMap<string, readonly Segment[]>;
  /** Campaign clock at the start and at the last result of this run. */
  readonly start: number;
  readonly end: number;
  /** Each session's pacing, ms between two sends. */
  readonly delayMs: number;
  /** Sends per second the whole fleet may make (the managers' `fleetSendsPerSecond` summed). */
  readonly fleetCapPerSecond: number;
  /** Tasks waiting in the pool over time, when one pool ran the campaign. */
  readonly queueDepth?: readonly (readonly [number, number])[];
  readonly wallMs: number;
  /** Whether this run resumed a campaign an earlier run started. */
  readonly resumed: boolean;
  /** Lines printed after the timings (the journal, the nodes…). */
  readonly notes: readonly string[];
  readonly reportPath: string;
  /** More moments to mark on the charts (restrictions and deaths are marked from the faults). */
  readonly markers?: readonly { readonly at: number; readonly label: string }[];
  /** Where the per-recipient results (CSV) are written. */
  readonly resultsPath: string;
}

export interface CampaignReport {
  readonly check: DeliveryCheck;
  readonly makespanMs: number;
  readonly lowerBoundMs: number;
  /** The summary printed at the end. */
  readonly summaryText: string;
  /** report.html. */
  readonly html: string;
}

/**
 * A GramJS unknown-username error is a plain `Error: No user has "x" as username`, not an RPC
 * error code: fold the name out so those count as one reason.
 */
function reasonOf(error: string | undefined): string {
  if (error === undefined) return 'unknown';
  return error.replace(/"[^"]*"/g, '"…"');
}

/**
 * The demo's report of a finished campaign: its results held against Telegram's delivery logs,
 * counts by reason and by session, the makespan against a lower bound from the rate limits; as
 * printed text and as report.html.
 */
export function reportCampaign(c: CampaignRecord): CampaignReport {
  const { summary, start, end } = c;
  const lostAt = (name: string) =>
    c.faults.find(
      (f) => f.session === name && (f.code === 'PEER_FLOOD' || f.code === 'AUTH_KEY_UNREGISTERED'),
    )?.at ?? Number.POSITIVE_INFINITY;
  const logs = c.deliveryLogs.map((path) => new DeliveryLog(path).read());
  const lowerBoundMs = makespanLowerBound(
    c.profiles.map((p) => ({
      ratePerMs: Math.min(
        c.delayMs > 0 ? 1 / c.delayMs : Number.POSITIVE_INFINITY,
        p.sendsPerMinute / 60_000,
      ),
      usableUntil: lostAt(p.name) - start,
    })),
    c.deliveredNow ?? logs.reduce((n, log) => n + log.length, 0),
    c.fleetCapPerSecond / 1000,
  );
  const makespanMs = end - start;
  const floodWaits = (name: string) =>
    c.faults.filter((f) => f.session === name && f.code.startsWith('FLOOD_WAIT_')).length;
  const byReason = (outcome: MessageResult['outcome']) => {
    const counts = new Map<string, number>();
    for (const r of c.results) {
      if (r.outcome !== outcome) continue;
      const reason = reasonOf(r.error);
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1]);
  };
  const finalState = (name: string) => c.timelines.get(name)?.at(-1)?.state ?? '?';
  const sessionRows = c.profiles.map((p) => {
    const tally = c.bySession.get(p.name) ?? { sent: 0, failed: 0 };
    const note =
      p.revokeAt !== undefined ? 'revoked mid-run' : p.peerFloodAfter !== undefined ? 'hits PEER_FLOOD' : '';
    return [
      p.name,
      tally.sent,
      tally.failed,
      floodWaits(p.name),
      `${p.medianLatencyMs} ms`,
      `${p.sendsPerMinute}/min`,
      finalState(p.name),
      note,
    ] as const;
  });
  const failedRows = byReason('failed');
  const skippedRows = byReason('skipped');
  const efficiency =
    lowerBoundMs > 0 ? ` (${Math.round((lowerBoundMs / makespanMs) * 100)} % of the ideal)` : '';
  // Telegram's own record, read back from its files: every run of the campaign is in them.
  const check = checkDeliveries(c.audience, c.results, logs.flat());
  const thisRun = c.resumed ? ' (this run)' : '';
  const logNames = c.deliveryLogs.join(', ');
  const sessionHeader = [
    'session',
    'sent',
    'failed',
    'flood waits',
    'latency p50',
    'limit',
    'final state',
    'note',
  ];
  const summaryText = [
    '',
    'Summary',
    table(
      ['outcome', 'count'],
      [
        ['recipients', summary.total],
        ['sent', summary.sent],
        ['skipped', summary.skipped],
        ['failed', summary.failed],
        ['unknown', summary.unknown],
      ],
    ),
    ...(c.resumed
      ? [
          `${c.results.length - c.settledNow.length} read from the journal (settled before the crash), ${c.settledNow.length} settled in this run`,
        ]
      : []),
    '',
    failedRows.length > 0 ? table(['failed: reason', 'count'], failedRows) : 'failed: none',
    '',
    skippedRows.length > 0 ? table(['skipped: reason', 'count'], skippedRows) : 'skipped: none',
    '',
    table(sessionHeader, sessionRows),
    '',
    `makespan     ${duration(makespanMs)} of campaign time${thisRun}`,
    `lower bound  ${duration(lowerBoundMs)} if every session had sent at its rate limit for as long as it was usable, and the fleet at its cap of ${c.fleetCapPerSecond}/s${efficiency}`,
    `wall time    ${duration(c.wallMs)}${thisRun}`,
    ...c.notes,
    `report       ${c.reportPath}`,
    `results      ${c.resultsPath} (one row per recipient)`,
    '',
    formatCheck(check, logNames, finalState),
  ].join('\n');
  // The first time each session was restricted or died.
  const marked = new Set<string>();
  const faultMarkers = c.faults.flatMap((f) => {
    const what =
      f.code === 'PEER_FLOOD' ? 'restricted' : f.code === 'AUTH_KEY_UNREGISTERED' ? 'dead' : undefined;
    if (what === undefined || marked.has(`${f.session}/${what}`)) return [];
    marked.add(`${f.session}/${what}`);
    return [{ at: f.at, label: `${f.session} ${what} (${f.code})` }];
  });
  const html = renderReport({
    markers: [...faultMarkers, ...(c.markers ?? [])],
    title: c.title,
    subtitle: c.subtitle,
    start,
    end,
    timelines: c.timelines,
    sentAt: c.settledNow.filter((r) => r.outcome === 'sent').map((r) => r.timestamp),
    fleetCapPerSecond: c.fleetCapPerSecond,
    ...(c.queueDepth === undefined ? {} : { queueDepth: c.queueDepth }),
    figures: [
      ['sent', String(summary.sent)],
      ['skipped', String(summary.skipped)],
      ['failed', String(summary.failed)],
      ['unknown', String(summary.unknown)],
      ["check against Telegram's delivery log", check.ok ? 'passed' : 'FAILED'],
      [`makespan (campaign time)${thisRun}`, duration(makespanMs)],
      ['lower bound from the rate limits and the fleet cap', duration(lowerBoundMs)],
      ['wall time', duration(c.wallMs)],
    ],
    tables: [
      { caption: 'Failed, by reason', header: ['reason', 'count'], rows: failedRows },
      { caption: 'Skipped, by reason', header: ['reason', 'count'], rows: skippedRows },
      { caption: 'Sessions', header: sessionHeader, rows: sessionRows },
      {
        caption: "Telegram's delivery log against the results",
        header: ['check', 'count'],
        rows: checkRows(check),
      },
    ],
  });
  return { check, makespanMs, lowerBoundMs, summaryText, html };
}
