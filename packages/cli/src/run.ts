import type { BulkOperation } from '@switchyard/core';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';
import type { Logger } from 'pino';
import { map } from 'rxjs';
import { findConfig, type LoadedConfig, loadConfig } from './config/loadConfig.js';
import { DEFAULTS } from './config/schema.js';
import { type DashboardSpec, dashboardSpec, type RunningDashboard, startDashboard } from './dashboard.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { openFleet, Secrets, waitForASession } from './fleet.js';
import { Interrupt } from './interrupt.js';
import { type Io, jsonLine, stderrLogger } from './io.js';
import { ProgressView } from './output/progressView.js';
import { sessionRows } from './output/sessionRows.js';
import { type Settled, Tally } from './output/tally.js';

/** The options every command that runs the fleet takes. */
export const FLEET_OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  plain: { type: 'boolean' },
  dashboard: { type: 'string', optionalValue: true },
  'dashboard-token': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const FLEET_OPTIONS_HELP = `  -c, --config FILE        the config (default: switchyard.config.ts, .mts, .mjs, .js or switchyard.json here)
      --json               JSON lines on stdout: one per result, then a summary; nothing else
      --plain              plain progress lines, even on a terminal
      --dashboard [H:P]    watch the run in a browser (default 127.0.0.1:8080, or the config's dashboard;
                           port 0 picks a free port); its address is printed on stderr
      --dashboard-token T  the dashboard's token (else $SWITCHYARD_DASHBOARD_TOKEN); needed off loopback
  -h, --help               this help`;

export interface FleetFlags {
  readonly config?: string | undefined;
  readonly json?: boolean | undefined;
  readonly plain?: boolean | undefined;
  readonly dashboard?: string | undefined;
  readonly 'dashboard-token'?: string | undefined;
}

/** A config loaded, with what was read from it: enough for commands that need no sessions. */
export interface Configured {
  readonly io: Io;
  readonly loaded: LoadedConfig;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly json: boolean;
}

export async function configure(io: Io, flags: FleetFlags): Promise<Configured> {
  const loaded = await loadConfig(await findConfig(flags.config, io.cwd));
  const secrets = await Secrets.of(loaded, io.env);
  const logger = stderrLogger(io, loaded.config.logLevel ?? DEFAULTS.logLevel, secrets);
  return { io, loaded, secrets, logger, json: flags.json === true };
}

/** A fleet up and running: its manager has a connected session, and the dashboard (if asked for) serves. */
export interface Fleet extends Configured {
  readonly manager: TelegramSessionManager;
  readonly dashboard: RunningDashboard | undefined;
  readonly flags: FleetFlags;
}

/**
 * Run `body` on the config's fleet: open the manager, start the dashboard, wait for a session to
 * connect, and shut everything down after, however `body` ends.
 */
export async function withFleet(
  configured: Configured,
  flags: FleetFlags,
  title: string,
  body: (fleet: Fleet) => Promise<ExitCode>,
): Promise<ExitCode> {
  const { io, loaded, logger } = configured;
  const spec: DashboardSpec | undefined =
    flags.dashboard === undefined
      ? undefined
      : dashboardSpec(flags.dashboard, loaded.config.dashboard, flags['dashboard-token'], io.env);
  const manager = await openFleet(loaded, io.env, logger);
  let dashboard: RunningDashboard | undefined;
  try {
    if (spec !== undefined) {
      dashboard = await startDashboard(manager, spec, {
        ...(loaded.config.pacing?.fleetSendsPerSecond === undefined
          ? {}
          : { fleetSendsPerSecond: loaded.config.pacing.fleetSendsPerSecond }),
        title,
      });
      io.stderr.write(`Dashboard: ${dashboard.url}\n`);
    }
    const timeouts = loaded.config.timeouts;
    // By default a connect() and 5 s more: time for a quick failure to be tried again.
    await waitForASession(manager, timeouts?.firstSessionMs ?? (timeouts?.connectMs ?? 30_000) + 5_000);
    return await body({ ...configured, manager, dashboard, flags });
  } finally {
    await dashboard?.close();
    await manager.shutdown();
  }
}

/** How `follow` reads one operation's results and report. */
export interface Follow<R, Report> {
  /** The headline's label (`campaign spring-sale`). */
  readonly label: string;
  readonly total: number;
  readonly settled: (r: R) => Settled & { readonly fromJournal: boolean };
  readonly jsonOf: (r: R) => Record<string, unknown>;
  /** The final summary: its JSON fields, and its lines for people. */
  readonly summary: (
    report: Report | undefined,
    tally: Tally,
  ) => { json: Record<string, unknown>; lines: string[] };
  /** What to run to go on after an interrupt. */
  readonly resumeHint: string;
  /** The capabilities the work needs: a session that lost one shows as restricted. */
  readonly needs: readonly string[];
}

/**
 * Follow a bulk operation to its end: count its results, draw the progress view (or write JSON
 * lines), stop cleanly on Ctrl-C, and print the summary. Returns the exit code.
 */
export async function follow<R, Report>(
  fleet: Fleet,
  op: BulkOperation<R, Report>,
  how: Follow<R, Report>,
): Promise<ExitCode> {
  const { io, json } = fleet;
  const tally = new Tally(how.total);
  // The dashboard counts what the progress view counts: each result read as a settled item.
  fleet.dashboard?.track(
    {
      results$: op.results$.pipe(
        map((r) => {
          const s = how.settled(r);
          return { outcome: s.outcome, sessionUsed: s.session, fromJournal: s.fromJournal };
        }),
      ),
    },
    { name: how.label, total: how.total },
  );
  const view = json
    ? undefined
    : new ProgressView({
        out: io.stdout,
        tty: io.stdout.isTTY === true && fleet.flags.plain !== true,
        tally,
        rows: () => sessionRows(fleet.manager, how.needs),
        label: how.label,
      });
  const interrupt = new Interrupt(
    (signal) => {
      io.stderr.write(
        `\n${signal}: stopping. No new sends start; those in flight settle and are journalled. Ctrl-C again to exit at once.\n`,
      );
      op.cancel();
    },
    () => {
      io.stderr.write(`Exiting now. ${how.resumeHint}\n`);
      process.exit(EXIT.interrupted);
    },
  );
  const subscription = op.results$.subscribe({
    next: (r) => {
      const s = how.settled(r);
      // After an interrupt, a failure is the cancel's: the journal leaves that item for the resume.
      if (interrupt.happened && s.outcome === 'failed') return;
      tally.add(s, s.fromJournal);
      if (json) jsonLine(io, how.jsonOf(r));
    },
    error: () => {},
  });
  view?.start();
  let report: Report | undefined;
  let refused = false;
  try {
    report = await op;
  } catch (error) {
    if (!interrupt.happened) {
      // Refused before anything settled (a campaign id reused with another message, say): the
      // error alone is printed, not an empty progress line.
      refused = tally.settled === 0;
      throw error;
    }
  } finally {
    subscription.unsubscribe();
    view?.stop(!refused);
    interrupt.dispose();
  }
  const interrupted = interrupt.happened;
  const summary = how.summary(interrupted ? undefined : report, tally);
  const code: ExitCode = interrupted
    ? EXIT.interrupted
    : tally.failed + tally.unknown > 0
      ? EXIT.someFailed
      : EXIT.ok;
  if (json) jsonLine(io, { type: 'summary', ...summary.json, interrupted, exitCode: code });
  else io.stdout.write(`${summary.lines.join('\n')}\n`);
  if (interrupted) io.stderr.write(`Interrupted: ${how.resumeHint}\n`);
  return code;
}
