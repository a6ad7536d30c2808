import { writeFile } from 'node:fs/promises';
import { seededRandom, VirtualClock } from '@switchyard/core';
import type { Dashboard } from '@switchyard/dashboard';
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
  DeliveryLog,
  type FaultRecord,
  personKey,
  SimulatedTelegram,
} from '../simTelegram/index.js';
import { reportCampaign } from './campaignReport.js';
import { type DashboardSetting, openDemoDashboard } from './dashboard.js';
import type { DeliveryCheck } from './deliveryCheck.js';
import {
  type CampaignSettings,
  DEFAULT_OUT,
  type DemoFiles,
  demoFiles,
  reopenCampaign,
  startCampaign,
} from './demoDirectory.js';
import { demoFleet } from './fleet.js';
import { table } from './format.js';
import { LiveView, type Output, sessionRows } from './liveView.js';
import { writeGradientPng } from './mediaFixture.js';
import { CampaignProgress, combineSummaries } from './progress.js';
import { writeResultsCsv } from './resultsFile.js';
import { type Segment, SeriesRecorder, TimelineRecorder } from './timeline.js';

export interface CampaignConfig extends CampaignSettings {
  /**
   * Directory for the campaign's journal, the simulated Telegram's delivery log, report.html
   * and the campaign's image.
   */
  readonly out: string;
  /** Campaign ms per real ms; 0 = as fast as possible. */
  readonly speed: number;
  /** Plain progress lines even on a terminal. */
  readonly plain: boolean;
  /** Finish the campaign an earlier run left in `out`, with its settings (they replace these). */
  readonly resume: boolean;
  /** Kill the process with SIGKILL once this share (above 0, at most 1) of the recipients has an outcome. */
  readonly crashAt?: number;
  /** Serve the live dashboard (`--dashboard`) while the campaign runs. */
  readonly dashboard?: DashboardSetting;
}

export interface CampaignOutcome {
  /** The configuration the campaign ran with (on `resume`, with the campaign's settings). */
  readonly config: CampaignConfig;
  readonly files: DemoFiles;
  readonly audience: Audience;
  /** One result per entry of the recipient list, in the order they settled (read from the journal first). */
  readonly results: readonly MessageResult[];
  readonly summary: BulkSendSummary;
  /** Every message the simulated Telegram accepted in this run. */
  readonly deliveries: readonly Delivery[];
  /** The results held against Telegram's delivery log, earlier runs included. */
  readonly check: DeliveryCheck;
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

/** The campaign ids in the journal: one for the text, one for the image. */
export const CAMPAIGNS = { text: 'spring-sale-text', media: 'spring-sale-image' } as const;

export const MESSAGE =
  'Hi! Our spring sale starts today: 20 % off everything until Sunday. Reply STOP to opt out.';
const CAPTION = 'Spring sale: 20 % off until Sunday.';

/** FNV-1a, so a recipient's text/media split does not depend on the order of the list. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Run the demo campaign: text to most recipients, an image with a caption to the rest,
 * through one TelegramSessionManager over simulated sessions on a virtual clock.
 */
export async function runCampaign(given: CampaignConfig, out: Output): Promise<CampaignOutcome> {
  const opened: { dashboard?: Dashboard } = {};
  try {
    return await campaignRun(given, out, opened);
  } finally {
    // Its pages keep the final numbers.
    await opened.dashboard?.close();
  }
}

async function campaignRun(
  given: CampaignConfig,
  out: Output,
  opened: { dashboard?: Dashboard },
): Promise<CampaignOutcome> {
  const startedReal = performance.now();
  const files = demoFiles(given.out);
  const { settings, run } = given.resume ? await reopenCampaign(files) : await startCampaign(files, given);
  const config: CampaignConfig = { ...given, ...settings };
  const clock = new VirtualClock(0);
  const { audience, profiles } = demoFleet(config);
  const telegram = new SimulatedTelegram({
    clock,
    random: (name) => seededRandom(config.seed * 7919 + hash(name)),
    profiles,
    audience,
    deliveryLog: new DeliveryLog(files.deliveryLog),
  });
  // Telegram's time goes on from its last delivery: a session revoked before a crash stays
  // revoked, and a flood window still open stays open.
  clock.tick(telegram.remembered.reduce((latest, d) => Math.max(latest, d.at), 0));
  const strategy = createStrategy(config.strategy, { random: seededRandom(config.seed * 7919 + 3), clock });
  // Each run of a campaign draws its randomIds from a range of its own: a run must never give a
  // new send the randomId of an attempt an earlier run recorded. Telegram would answer
  // RANDOM_ID_DUPLICATE to one of them, and that send would count as sent without being sent.
  let nextRandomId = (run + 1) * 2 ** 32;
  const manager = new TelegramSessionManager({
    sessions: profiles.map((p) => ({ name: p.name, client: telegram.client(p.name) })),
    strategy,
    clock,
    random: seededRandom(config.seed * 7919 + 4),
    delayMs: config.delayMs,
    sessionCapacity: config.capacity,
    fleetSendsPerSecond: config.fleetCap,
    logger: pino({ level: 'silent' }),
    randomId: () => returnBigInt(nextRandomId++),
    journal: files.journal,
  });

  const image = await writeGradientPng(files.image);
  const media: string[] = [];
  const text: string[] = [];
  for (const r of audience.recipients)
    (hash(`split:${personKey(r)}`) / 2 ** 32 < config.mediaShare ? media : text).push(r);

  const progress = new CampaignProgress(audience.recipients.length, manager.sessionNames());
  const timeline = TimelineRecorder.of(manager, clock.now());
  const queueDepth = new SeriesRecorder();
  const view = new LiveView({
    out,
    tty: out.isTTY === true && !config.plain,
    clock,
    lines: () => sessionRows(manager),
    progress,
  });
  const start = clock.now();
  out.write(
    `Switchyard demo: ${audience.recipients.length} recipients (${text.length} text, ${media.length} image) over ${config.sessions} simulated Telegram sessions, strategy ${config.strategy}, seed ${config.seed}\n`,
  );
  const dashboard =
    config.dashboard === undefined
      ? undefined
      : await openDemoDashboard(config.dashboard, manager, () => clock.now(), out, opened);
  if (config.resume) out.write(await resumeNote(manager, files.journal, run));
  // After a crash, the same calls with the same campaign ids resume: the journal settles what
  // is done, and an item left mid-send is retried on its session with its randomId.
  const operations = [
    manager.sendTextMessagesBulk(text, MESSAGE, { campaign: CAMPAIGNS.text }),
    manager.sendMediaMessagesBulk(media, image, 'image', { caption: CAPTION, campaign: CAMPAIGNS.media }),
  ];
  dashboard?.track(operations[0] as (typeof operations)[0], { name: CAMPAIGNS.text, total: text.length });
  dashboard?.track(operations[1] as (typeof operations)[1], { name: CAMPAIGNS.media, total: media.length });
  const crashAfter =
    config.crashAt === undefined ? undefined : Math.ceil(config.crashAt * audience.recipients.length);
  const crash = () => {
    view.stop();
    out.write(
      `\nKilling the demo (SIGKILL) with ${progress.done} of ${progress.total} recipients settled. Finish the campaign with:\n  pnpm demo -- --resume${config.out === DEFAULT_OUT ? '' : ` --out ${config.out}`}\n`,
    );
    process.kill(process.pid, 'SIGKILL');
  };
  view.start();
  for (const op of operations)
    op.results$.subscribe((r) => {
      progress.record(r);
      if (crashAfter !== undefined && progress.done >= crashAfter) crash();
    });
  let done = false;
  const finished = Promise.all(operations).finally(() => {
    done = true;
  });
  finished.catch(() => {});
  const completed = await driveUntil(clock, () => done, {
    speed: config.speed,
    onStep: (now) => {
      timeline.sample(now);
      queueDepth.sample(now, manager.pool.size);
    },
  });
  view.stop();
  if (!completed)
    throw new Error(
      `the campaign stalled with ${progress.done} of ${progress.total} recipients settled: nothing left to wait for, or a week of campaign time gone`,
    );
  const reports = await finished; // rethrows a campaign-level failure (for example: no live session left)
  // What this run settled; results read from the journal were settled by an earlier one.
  const settledNow = progress.results.filter((r) => r.fromJournal !== true);
  const end = settledNow.reduce((latest, r) => Math.max(latest, r.timestamp), start);
  const timelines = timeline.finish(end);
  let closed = false;
  void manager.shutdown().finally(() => {
    closed = true;
  });
  await driveUntil(clock, () => closed, { speed: 0, limitMs: 60_000 });

  const summary = combineSummaries(reports.map((r) => r.summary));
  const wallMs = performance.now() - startedReal;
  const report = reportCampaign({
    title: 'Switchyard demo campaign',
    subtitle: `${summary.total} recipients · ${config.sessions} simulated sessions · strategy ${config.strategy} · seed ${config.seed} · pacing ${config.delayMs} ms per session · fleet cap ${config.fleetCap}/s`,
    audience,
    profiles,
    results: progress.results,
    settledNow,
    summary,
    bySession: progress.bySession,
    faults: telegram.faults,
    deliveryLogs: [files.deliveryLog],
    deliveredNow: telegram.deliveries.length,
    timelines,
    start,
    end,
    delayMs: config.delayMs,
    fleetCapPerSecond: config.fleetCap,
    queueDepth: queueDepth.points,
    wallMs,
    resumed: config.resume,
    notes: [`journal      ${files.journal}`],
    reportPath: files.report,
    resultsPath: files.results,
  });
  await writeFile(files.report, report.html);
  await writeResultsCsv(files.results, progress.results, start);
  const { summaryText, check, makespanMs, lowerBoundMs } = report;
  out.write(summaryText);
  return {
    config,
    files,
    audience,
    results: progress.results,
    summary,
    deliveries: telegram.deliveries,
    check,
    faults: telegram.faults,
    makespanMs,
    lowerBoundMs,
    wallMs,
    reportPath: files.report,
    timelines,
    summaryText,
  };
}

/** What the journal holds of the campaign before it is resumed. */
async function resumeNote(manager: TelegramSessionManager, journal: string, run: number): Promise<string> {
  const rows = [];
  for (const id of Object.values(CAMPAIGNS)) {
    const s = await manager.campaignStatus(id);
    rows.push(
      s === undefined
        ? [id, 'not started', '', '', '', '', '']
        : [id, s.total, s.sent, s.failed, s.skipped, s.unknown, s.pending],
    );
  }
  return `Resuming (run ${run + 1}) from the journal ${journal}:\n${table(
    ['campaign', 'recipients', 'sent', 'failed', 'skipped', 'unknown', 'pending'],
    rows,
  )}\n`;
}
