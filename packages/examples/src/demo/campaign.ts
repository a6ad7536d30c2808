import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { seededRandom, VirtualClock } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import {
  type BulkSendSummary,
  type MessageResult,
  TelegramSessionManager,
} from '@switchyard/telegram-adapter';
import { pino } from 'pino';
import { returnBigInt } from 'telegram/Helpers.js';
import { driveUntil } from '../shared/clockDriver.js';
import {
  type Audience,
  type Delivery,
  type FaultRecord,
  makeAudience,
  makeProfiles,
  SimulatedTelegram,
} from '../simTelegram/index.js';
import { duration, table } from './format.js';
import { LiveView, type Output } from './liveView.js';
import { makespanLowerBound } from './lowerBound.js';
import { writeGradientPng } from './mediaFixture.js';
import { CampaignProgress, combineSummaries } from './progress.js';
import { renderReport } from './report.js';
import { type Segment, TimelineRecorder } from './timeline.js';

export interface CampaignConfig {
  readonly sessions: number;
  readonly recipients: number;
  readonly strategy: string;
  readonly seed: number;
  /** Directory for report.html (and the campaign's image). */
  readonly out: string;
  /** Share of recipients who get the image instead of the text. */
  readonly mediaShare: number;
  /** Pacing: ms between two sends of one session. */
  readonly delayMs: number;
  /** Campaign ms per real ms; 0 = as fast as possible. */
  readonly speed: number;
  /** Tasks one session runs at once. */
  readonly capacity: number;
  /** Plain progress lines even on a terminal. */
  readonly plain: boolean;
}

export interface CampaignOutcome {
  readonly config: CampaignConfig;
  readonly audience: Audience;
  /** One result per entry of the recipient list, in the order they settled. */
  readonly results: readonly MessageResult[];
  readonly summary: BulkSendSummary;
  /** Every message the simulated Telegram accepted. */
  readonly deliveries: readonly Delivery[];
  /** Every error the simulated Telegram answered with. */
  readonly faults: readonly FaultRecord[];
  readonly makespanMs: number;
  readonly lowerBoundMs: number;
  readonly wallMs: number;
  readonly reportPath: string;
  readonly timelines: ReadonlyMap<string, readonly Segment[]>;
  /** The summary printed at the end. */
  readonly summaryText: string;
}

const MESSAGE = 'Hi! Our spring sale starts today: 20 % off everything until Sunday. Reply STOP to opt out.';
const CAPTION = 'Spring sale: 20 % off until Sunday.';

/** FNV-1a, so a recipient's text/media split does not depend on the order of the list. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A reason to count by. GramJS reports an unknown username as a plain
 * `Error: No user has "x" as username` rather than an RPC error code; fold the name out so
 * those count as one reason.
 */
function reasonOf(error: string | undefined): string {
  if (error === undefined) return 'unknown';
  return error.replace(/"[^"]*"/g, '"…"');
}

/** `@name` and `t.me/name` are the same person as `name`: keep every spelling in one list. */
const personKey = (r: string) => r.replace(/^@|^(https?:\/\/)?t\.me\//i, '').toLowerCase();

/**
 * Run the demo campaign: text to most recipients, an image with a caption to the rest,
 * through one TelegramSessionManager over simulated sessions on a virtual clock.
 */
export async function runCampaign(config: CampaignConfig, out: Output): Promise<CampaignOutcome> {
  const startedReal = performance.now();
  const clock = new VirtualClock(0);
  const audience = makeAudience(seededRandom(config.seed * 7919 + 1), config.recipients);
  const perSession = config.recipients / config.sessions;
  // Faults are placed relative to the campaign's expected length, so they land mid-run at any size.
  const expectedMs = perSession * Math.max(config.delayMs, 2000);
  const profiles = makeProfiles(seededRandom(config.seed * 7919 + 2), {
    sessions: config.sessions,
    revokeAt: Math.round(expectedMs * 0.4),
    peerFloodAfter: Math.max(3, Math.floor(perSession * 0.25)),
  });
  const telegram = new SimulatedTelegram({
    clock,
    random: (name) => seededRandom(config.seed * 7919 + hash(name)),
    profiles,
    audience,
  });
  const strategy = createStrategy(config.strategy, { random: seededRandom(config.seed * 7919 + 3), clock });
  let nextRandomId = config.seed * 1_000_000;
  const manager = new TelegramSessionManager({
    sessions: profiles.map((p) => ({ name: p.name, client: telegram.client(p.name) })),
    strategy,
    clock,
    random: seededRandom(config.seed * 7919 + 4),
    delayMs: config.delayMs,
    sessionCapacity: config.capacity,
    logger: pino({ level: 'silent' }),
    randomId: () => returnBigInt(nextRandomId++),
  });

  await mkdir(config.out, { recursive: true });
  const image = await writeGradientPng(join(config.out, 'spring-sale.png'));
  const media: string[] = [];
  const text: string[] = [];
  for (const r of audience.recipients)
    (hash(`split:${personKey(r)}`) / 2 ** 32 < config.mediaShare ? media : text).push(r);

  const progress = new CampaignProgress(audience.recipients.length, manager.sessionNames());
  const timeline = new TimelineRecorder(manager, clock.now());
  const view = new LiveView({ out, tty: out.isTTY === true && !config.plain, clock, manager, progress });
  const start = clock.now();
  out.write(
    `Switchyard demo: ${audience.recipients.length} recipients (${text.length} text, ${media.length} image) over ${config.sessions} simulated Telegram sessions, strategy ${config.strategy}, seed ${config.seed}\n`,
  );
  view.start();
  const operations = [
    manager.sendTextMessagesBulk(text, MESSAGE),
    manager.sendMediaMessagesBulk(media, image, 'image', { caption: CAPTION }),
  ];
  for (const op of operations) op.results$.subscribe((r) => progress.record(r));
  let done = false;
  const finished = Promise.all(operations).finally(() => {
    done = true;
  });
  finished.catch(() => {});
  const completed = await driveUntil(clock, () => done, {
    speed: config.speed,
    onStep: (now) => timeline.sample(now),
  });
  view.stop();
  const reports = await finished; // rethrows a campaign-level failure (for example: no live session left)
  if (!completed) throw new Error('the campaign stalled: no timer left and results missing');
  const end = Math.max(start, ...progress.results.map((r) => r.timestamp));
  const timelines = timeline.finish(end);
  let closed = false;
  void manager.shutdown().finally(() => {
    closed = true;
  });
  await driveUntil(clock, () => closed, { speed: 0, limitMs: 60_000 });

  const summary = combineSummaries(reports.map((r) => r.summary));
  const lostAt = (name: string) =>
    telegram.faults.find(
      (f) => f.session === name && (f.code === 'PEER_FLOOD' || f.code === 'AUTH_KEY_UNREGISTERED'),
    )?.at ?? Number.POSITIVE_INFINITY;
  const lowerBoundMs = makespanLowerBound(
    profiles.map((p) => ({
      ratePerMs: Math.min(
        config.delayMs > 0 ? 1 / config.delayMs : Number.POSITIVE_INFINITY,
        p.sendsPerMinute / 60_000,
      ),
      usableUntil: lostAt(p.name) - start,
    })),
    telegram.deliveries.length,
  );
  const makespanMs = end - start;
  const floodWaits = (name: string) =>
    telegram.faults.filter((f) => f.session === name && f.code.startsWith('FLOOD_WAIT_')).length;
  const byReason = (outcome: MessageResult['outcome']) => {
    const counts = new Map<string, number>();
    for (const r of progress.results) {
      if (r.outcome !== outcome) continue;
      const reason = reasonOf(r.error);
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1]);
  };
  const sessionRows = profiles.map((p) => {
    const tally = progress.bySession.get(p.name) ?? { sent: 0, failed: 0 };
    const segments = timelines.get(p.name) ?? [];
    const note =
      p.revokeAt !== undefined ? 'revoked mid-run' : p.peerFloodAfter !== undefined ? 'hits PEER_FLOOD' : '';
    return [
      p.name,
      tally.sent,
      tally.failed,
      floodWaits(p.name),
      `${p.medianLatencyMs} ms`,
      `${p.sendsPerMinute}/min`,
      segments[segments.length - 1]?.state ?? '?',
      note,
    ] as const;
  });
  const failedRows = byReason('failed');
  const skippedRows = byReason('skipped');
  const wallMs = performance.now() - startedReal;
  const efficiency =
    lowerBoundMs > 0 ? ` (${Math.round((lowerBoundMs / makespanMs) * 100)} % of the ideal)` : '';
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
      ],
    ),
    '',
    failedRows.length > 0 ? table(['failed: reason', 'count'], failedRows) : 'failed: none',
    '',
    skippedRows.length > 0 ? table(['skipped: reason', 'count'], skippedRows) : 'skipped: none',
    '',
    table(
      ['session', 'sent', 'failed', 'flood waits', 'latency p50', 'limit', 'final state', 'note'],
      sessionRows,
    ),
    '',
    `makespan     ${duration(makespanMs)} of campaign time`,
    `lower bound  ${duration(lowerBoundMs)} if every session had sent at its rate limit for as long as it was usable${efficiency}`,
    `wall time    ${duration(wallMs)}`,
    `report       ${resolve(config.out, 'report.html')}`,
    '',
  ].join('\n');

  const reportPath = resolve(config.out, 'report.html');
  await writeFile(
    reportPath,
    renderReport({
      title: 'Switchyard demo campaign',
      subtitle: `${summary.total} recipients · ${config.sessions} simulated sessions · strategy ${config.strategy} · seed ${config.seed} · pacing ${config.delayMs} ms per session`,
      start,
      end,
      timelines,
      sentAt: progress.results.filter((r) => r.outcome === 'sent').map((r) => r.timestamp),
      figures: [
        ['sent', String(summary.sent)],
        ['skipped', String(summary.skipped)],
        ['failed', String(summary.failed)],
        ['makespan (campaign time)', duration(makespanMs)],
        ['lower bound from the rate limits', duration(lowerBoundMs)],
        ['wall time', duration(wallMs)],
      ],
      tables: [
        { caption: 'Failed, by reason', header: ['reason', 'count'], rows: failedRows },
        { caption: 'Skipped, by reason', header: ['reason', 'count'], rows: skippedRows },
        {
          caption: 'Sessions',
          header: ['session', 'sent', 'failed', 'flood waits', 'latency p50', 'limit', 'final state', 'note'],
          rows: sessionRows,
        },
      ],
    }),
  );
  out.write(summaryText);
  return {
    config,
    audience,
    results: progress.results,
    summary,
    deliveries: telegram.deliveries,
    faults: telegram.faults,
    makespanMs,
    lowerBoundMs,
    wallMs,
    reportPath,
    timelines,
    summaryText,
  };
}
