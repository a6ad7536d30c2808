// One run of `pnpm bench:stream`, in a process of its own so that its peak RSS is its own: a bulk
// send whose recipients are read from a CSV file, through the simulated fleet on virtual time.
import { readFileSync } from 'node:fs';
import { seededRandom, VirtualClock } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { recipientsFromFile, TelegramSessionManager } from '@switchyard/telegram-adapter';
import { pino } from 'pino';
import { returnBigInt } from 'telegram/Helpers.js';
import { driveUntil } from '../shared/clockDriver.js';
import { makeProfiles, SimulatedTelegram } from '../simTelegram/index.js';
import { fileBytes } from './journal.js';

/** What the parent asks of one run (passed as JSON, the only argument). */
export interface StreamRunConfig {
  /** The CSV file: a header line `username`, then one recipient a line. */
  readonly csv: string;
  /** Rows in the file (to know when a tenth and nine tenths of them are sent). */
  readonly rows: number;
  /** JSON `{ unknown, privacyRestricted }`: the usernames the simulated Telegram treats so. */
  readonly audience: string;
  /** The SQLite journal's path; without one, a bulk send with no campaign. */
  readonly journal?: string;
  readonly sessions: number;
  readonly seed: number;
  readonly highWaterMark: number;
}

/** What one run measured, sent back to the parent. */
export interface StreamRunResult {
  readonly total: number;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Messages the simulated Telegram accepted. */
  readonly delivered: number;
  readonly wallMs: number;
  readonly campaignMs: number;
  /** The process's peak resident set, in bytes. */
  readonly peakRss: number;
  /**
   * V8 heap in use after a full GC, in bytes, when a tenth of the rows had been delivered and
   * when nine tenths had: what the run keeps, and whether it grows with the recipients.
   */
  readonly heapAtTenth: number;
  readonly heapAtNineTenths: number;
  /** Messages delivered between those two measurements. */
  readonly deliveredBetween: number;
  /** The journal file and its WAL once the send has finished, in bytes. */
  readonly journalBytes: number;
}

const MESSAGE = 'Hi! Our spring sale starts today: 20 % off everything until Sunday. Reply STOP to opt out.';

export async function streamRun(config: StreamRunConfig): Promise<StreamRunResult> {
  const started = performance.now();
  const names = JSON.parse(readFileSync(config.audience, 'utf8')) as {
    unknown: string[];
    privacyRestricted: string[];
  };
  const clock = new VirtualClock(0);
  const profiles = makeProfiles(seededRandom(config.seed * 7919 + 2), { sessions: config.sessions });
  const telegram = new SimulatedTelegram({
    clock,
    random: (name) => seededRandom(config.seed * 7919 + 10 + profiles.findIndex((p) => p.name === name)),
    profiles,
    audience: { unknown: new Set(names.unknown), privacyRestricted: new Set(names.privacyRestricted) },
    keep: 'counts',
  });
  let nextRandomId = config.seed * 1_000_000;
  const manager = new TelegramSessionManager({
    sessions: profiles.map((p) => ({ name: p.name, client: telegram.client(p.name) })),
    strategy: createStrategy('least-loaded', { random: seededRandom(config.seed * 7919 + 3), clock }),
    clock,
    random: seededRandom(config.seed * 7919 + 4),
    delayMs: 2000,
    sessionCapacity: 4,
    logger: pino({ level: 'silent' }),
    randomId: () => returnBigInt(nextRandomId++),
    ...(config.journal === undefined ? {} : { journal: config.journal }),
  });
  const op = manager.sendTextMessagesBulk(recipientsFromFile(config.csv, { column: 'username' }), MESSAGE, {
    highWaterMark: config.highWaterMark,
    ...(config.journal === undefined ? {} : { campaign: 'stream-bench' }),
  });
  const marks: { delivered: number; heap: number }[] = [];
  const measureHeap = () => {
    const next = marks.length === 0 ? 0.1 : 0.9;
    if (marks.length >= 2 || telegram.delivered < config.rows * next) return;
    globalThis.gc?.();
    marks.push({ delivered: telegram.delivered, heap: process.memoryUsage().heapUsed });
  };
  let done = false;
  const finished = Promise.resolve(op).finally(() => {
    done = true;
  });
  finished.catch(() => {});
  const completed = await driveUntil(clock, () => done, {
    speed: 0,
    limitMs: 365 * 24 * 3600_000,
    onStep: measureHeap,
  });
  const report = await finished;
  if (!completed) throw new Error('the send stalled: no timer left and results missing');
  const campaignMs = clock.now();
  const wallMs = performance.now() - started;
  const journalBytes = config.journal === undefined ? 0 : fileBytes(config.journal);
  let closed = false;
  void manager.shutdown().finally(() => {
    closed = true;
  });
  await driveUntil(clock, () => closed, { speed: 0, limitMs: 60_000 });
  const { total, sent, skipped, failed } = report.summary;
  return {
    total,
    sent,
    skipped,
    failed,
    delivered: telegram.delivered,
    wallMs,
    campaignMs,
    peakRss: process.resourceUsage().maxRSS * 1024,
    heapAtTenth: marks[0]?.heap ?? 0,
    heapAtNineTenths: marks[1]?.heap ?? 0,
    deliveredBetween: (marks[1]?.delivered ?? 0) - (marks[0]?.delivered ?? 0),
    journalBytes,
  };
}

const send = process.send?.bind(process);
if (send !== undefined && process.argv[2] !== undefined) {
  const result = await streamRun(JSON.parse(process.argv[2]) as StreamRunConfig);
  send(result, () => process.disconnect());
}
