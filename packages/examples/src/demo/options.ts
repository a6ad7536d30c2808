import { ValidationError } from '@switchyard/core';
import { isLoopback, MIN_TOKEN_LENGTH, parseListenAddress, TOKEN_ENV } from '@switchyard/dashboard';
import { strategyNames } from '@switchyard/strategies';
import {
  intOption,
  numberOption,
  type OptionSpec,
  parseCommandLine,
  strategyOption,
  UsageError,
  usage,
  withOptionalValue,
} from '../shared/cli.js';
import type { CampaignConfig } from './campaign.js';
import type { DashboardSetting } from './dashboard.js';
import { DEFAULT_FLEET_CAP, DEFAULT_OUT } from './demoDirectory.js';

/** Where `--dashboard` without a value serves. */
const DEFAULT_DASHBOARD = '127.0.0.1:8080';

export const DEMO_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  sessions: { type: 'string', help: 'simulated Telegram sessions (1–200)', default: '12' },
  recipients: {
    type: 'string',
    help: 'recipients in the campaign, some invalid (1–100000)',
    default: '3000',
  },
  strategy: {
    type: 'string',
    help: `balancing strategy: ${strategyNames.join(', ')}`,
    default: 'least-loaded',
  },
  seed: { type: 'string', help: 'seed for every random choice; same seed, same run', default: '1' },
  out: {
    type: 'string',
    help: "directory for the journal, Telegram's delivery log and report.html",
    default: DEFAULT_OUT,
  },
  'media-share': { type: 'string', help: 'share of recipients who get the image (0–1)', default: '0.3' },
  'delay-ms': { type: 'string', help: 'pacing between two sends of one session, ms', default: '2000' },
  capacity: { type: 'string', help: 'requests one session runs at once', default: '4' },
  'fleet-cap': {
    type: 'string',
    help: "sends per second for the whole fleet (the manager's fleetSendsPerSecond)",
    default: String(DEFAULT_FLEET_CAP),
  },
  speed: {
    type: 'string',
    help: 'campaign seconds per real second; 0 runs as fast as possible',
    default: '60',
  },
  plain: { type: 'boolean', help: 'plain progress lines even on a terminal' },
  'crash-at': {
    type: 'string',
    help: 'kill the demo (SIGKILL) once this share of the recipients has an outcome, e.g. 40%',
  },
  resume: {
    type: 'boolean',
    help: 'finish the campaign a killed run left in --out, from its journal, with its settings',
  },
  dashboard: {
    type: 'string',
    help: `serve a live dashboard at host:port while it runs (${DEFAULT_DASHBOARD} when given alone; any host but a loopback one needs a token)`,
  },
  'dashboard-token': {
    type: 'string',
    help: `token the dashboard asks for on every request (or set ${TOKEN_ENV})`,
  },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const DEMO_USAGE = usage(
  'pnpm demo -- ',
  "A bulk Telegram campaign through TelegramSessionManager over simulated sessions (real GramJS\nclients that never connect), on a compressed clock, recorded in a journal (campaign.sqlite).\nChecks the results against the simulated Telegram's own delivery log and writes report.html,\nall in --out.",
  DEMO_OPTIONS,
).replace('pnpm demo --  [options]', 'pnpm demo -- [options]');

/** `{ help: true }`, or the configuration; throws `UsageError` naming the bad option. */
export function parseDemoOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): { help: true } | { help: false; config: CampaignConfig } {
  const values = parseCommandLine(withOptionalValue(argv, 'dashboard', DEFAULT_DASHBOARD), DEMO_OPTIONS);
  if (values.help === true) return { help: true };
  const strategy = strategyOption(values, 'strategy', 'least-loaded');
  const out = values.out ?? DEFAULT_OUT;
  if (typeof out !== 'string' || out.trim() === '') throw new UsageError('--out must be a directory path');
  const resume = values.resume === true;
  if (resume) {
    const fixed = SETTING_OPTIONS.find((name) => values[name] !== undefined);
    if (fixed !== undefined)
      throw new UsageError(
        `--${fixed} cannot be given with --resume: a campaign is resumed with the settings it started with (kept in ${out}/campaign.json)`,
      );
  }
  const crashAt = shareOption(values, 'crash-at');
  const dashboard = dashboardOption(values, env);
  return {
    help: false,
    config: {
      sessions: intOption(values, 'sessions', 12, 1, 200),
      recipients: intOption(values, 'recipients', 3000, 1, 100_000),
      strategy,
      seed: intOption(values, 'seed', 1, 0, 2 ** 31 - 1),
      out,
      mediaShare: numberOption(values, 'media-share', 0.3, { min: 0, max: 1 }),
      delayMs: intOption(values, 'delay-ms', 2000, 0, 600_000),
      capacity: intOption(values, 'capacity', 4, 1, 100),
      fleetCap: numberOption(values, 'fleet-cap', DEFAULT_FLEET_CAP, { min: 0.01, max: 100_000 }),
      speed: numberOption(values, 'speed', 60, { min: 0, max: 1_000_000 }),
      plain: values.plain === true,
      resume,
      ...(crashAt === undefined ? {} : { crashAt }),
      ...(dashboard === undefined ? {} : { dashboard }),
    },
  };
}

/** The options that make the campaign what it is: `--resume` takes them from the campaign. */
const SETTING_OPTIONS: readonly string[] = [
  'sessions',
  'recipients',
  'strategy',
  'seed',
  'media-share',
  'delay-ms',
  'capacity',
  'fleet-cap',
];

/** A share such as `40%` (or `40`), as a fraction above 0 and at most 1. */
export function shareOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const match = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(raw) : null;
  const percent = match === null ? Number.NaN : Number(match[1]);
  if (!(percent > 0 && percent <= 100))
    throw new UsageError(
      `--${name} must be a share of the recipients above 0% and at most 100%, such as 40% (got ${JSON.stringify(raw)})`,
    );
  return percent / 100;
}

/** `--dashboard [host:port]` with its token (`--dashboard-token`, else the environment's). */
function dashboardOption(
  values: Record<string, string | boolean | undefined>,
  env: Readonly<Record<string, string | undefined>>,
): DashboardSetting | undefined {
  const raw = values.dashboard;
  const given = values['dashboard-token'];
  if (raw === undefined) {
    if (given !== undefined) throw new UsageError('--dashboard-token is for --dashboard: give both');
    return undefined;
  }
  let address: { host: string; port: number };
  try {
    address = parseListenAddress(String(raw));
  } catch (error) {
    if (error instanceof ValidationError)
      throw new UsageError(
        `--dashboard must be host:port, such as ${DEFAULT_DASHBOARD} (got ${JSON.stringify(raw)})`,
      );
    throw error;
  }
  const token = typeof given === 'string' ? given : env[TOKEN_ENV] || undefined;
  if (token === undefined && !isLoopback(address.host))
    throw new UsageError(
      `--dashboard ${address.host} is not a loopback address, so the dashboard needs a token: give --dashboard-token or set ${TOKEN_ENV}`,
    );
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(`--dashboard-token must be at least ${MIN_TOKEN_LENGTH} characters`);
  return { ...address, ...(token === undefined ? {} : { token }) };
}
