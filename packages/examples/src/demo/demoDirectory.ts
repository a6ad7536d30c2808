import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Where the demo keeps its campaign when no `--out` is given. */
export const DEFAULT_OUT = 'switchyard-demo';

/** What decides the campaign itself: kept in `--out` so that `--resume` runs the same one. */
export interface CampaignSettings {
  readonly sessions: number;
  readonly recipients: number;
  readonly strategy: string;
  readonly seed: number;
  /** Share of recipients who get the image instead of the text. */
  readonly mediaShare: number;
  /** Pacing: ms between two sends of one session. */
  readonly delayMs: number;
  /** Tasks one session runs at once. */
  readonly capacity: number;
  /** Sends per second the whole fleet may make (the manager's `fleetSendsPerSecond`). */
  readonly fleetCap: number;
}

/** The manager's own default fleet cap, sends per second. */
export const DEFAULT_FLEET_CAP = 30;

/** The files of one campaign in `--out` (absolute paths). */
export interface DemoFiles {
  /** The campaign journal (SQLite), the manager's `journal`. */
  readonly journal: string;
  /** The simulated Telegram's record of what it delivered (JSON lines). */
  readonly deliveryLog: string;
  /** The campaign's settings and how many times it has been started. */
  readonly settings: string;
  readonly report: string;
  /** One row per recipient: outcome, session, error, time (CSV). */
  readonly results: string;
  readonly image: string;
}

export function demoFiles(out: string): DemoFiles {
  const at = (name: string) => resolve(out, name);
  return {
    journal: at('campaign.sqlite'),
    deliveryLog: at('telegram-deliveries.jsonl'),
    settings: at('campaign.json'),
    report: at('report.html'),
    results: at('results.csv'),
    image: at('spring-sale.png'),
  };
}

interface SettingsFile {
  readonly settings: CampaignSettings;
  /** Runs of this campaign so far: the first and each resume. */
  readonly runs: number;
}

/** The campaign a run works on, and which run of it this is (0 for the first). */
export interface CampaignRun {
  readonly settings: CampaignSettings;
  readonly run: number;
}

/**
 * Start a new campaign in `out`: the journal, Telegram's delivery log and the settings of an
 * earlier one are removed, and these settings recorded.
 */
export async function startCampaign(files: DemoFiles, given: CampaignSettings): Promise<CampaignRun> {
  const { sessions, recipients, strategy, seed, mediaShare, delayMs, capacity, fleetCap } = given;
  const settings: CampaignSettings = {
    sessions,
    recipients,
    strategy,
    seed,
    mediaShare,
    delayMs,
    capacity,
    fleetCap,
  };
  await mkdir(dirname(files.journal), { recursive: true });
  // SQLite keeps a WAL and its index beside the file.
  for (const path of [files.journal, `${files.journal}-wal`, `${files.journal}-shm`, files.deliveryLog])
    await rm(path, { force: true });
  await writeSettings(files, { settings, runs: 1 });
  return { settings, run: 0 };
}

/** Open the campaign an earlier run left in `out`, with the settings it started with. */
export async function reopenCampaign(files: DemoFiles): Promise<CampaignRun> {
  if (!existsSync(files.settings) || !existsSync(files.journal))
    throw new Error(
      `nothing to resume in ${dirname(files.journal)}: no campaign was started there (start one with \`pnpm demo -- --crash-at 40%\`)`,
    );
  const saved = JSON.parse(await readFile(files.settings, 'utf8')) as SettingsFile;
  await writeSettings(files, { ...saved, runs: saved.runs + 1 });
  // A campaign started before the fleet cap was a setting ran at the manager's default.
  const { fleetCap = DEFAULT_FLEET_CAP, ...rest } = saved.settings as Omit<CampaignSettings, 'fleetCap'> &
    Partial<Pick<CampaignSettings, 'fleetCap'>>;
  return { settings: { ...rest, fleetCap }, run: saved.runs };
}

const writeSettings = (files: DemoFiles, file: SettingsFile) =>
  writeFile(files.settings, `${JSON.stringify(file, null, 2)}\n`);
