// `pnpm demo:cluster`: the demo campaign spread over a cluster of node processes on a real Redis
// (started here on a free port, stopped at the end). One node is SIGKILLed part-way and
// restarted; the demo shows every node's sessions live, then the same report and delivery check
// as `pnpm demo`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type RedisServer, startRedis } from '@switchyard/bullmq/testing';
import type { StrategyName } from '@switchyard/strategies';
import type { BulkSendSummary } from '@switchyard/telegram-adapter';
import {
  intOption,
  numberOption,
  type OptionSpec,
  parseCommandLine,
  runCommand,
  strategyOption,
  UsageError,
  usage,
} from '../../shared/cli.js';
import type { FaultRecord } from '../../simTelegram/index.js';
import { reportCampaign } from '../campaignReport.js';
import { DEFAULT_FLEET_CAP } from '../demoDirectory.js';
import { duration } from '../format.js';
import { LiveView, type Output, type SessionRow, type ViewLine } from '../liveView.js';
import { DEMO_OPTIONS, shareOption } from '../options.js';
import { CampaignProgress } from '../progress.js';
import { writeResultsCsv } from '../resultsFile.js';
import { TimelineRecorder } from '../timeline.js';
import {
  type ClusterDemoSettings,
  clusterFiles,
  clusterFleet,
  nodeName,
  scaledClock,
} from './clusterSettings.js';
import type { NodeMessage } from './node.js';
import { NodeProcess } from './nodeProcess.js';

const DEFAULT_OUT = 'switchyard-demo-cluster';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  nodes: { type: 'string', help: 'node processes (2–6)', default: '3' },
  'sessions-per-node': { type: 'string', help: 'simulated Telegram sessions per node (1–50)', default: '4' },
  recipients: {
    type: 'string',
    help: 'recipients in the campaign, some invalid (1–100000)',
    default: '1200',
  },
  strategy: DEMO_OPTIONS.strategy!,
  seed: { type: 'string', help: 'seed for the audience and the sessions', default: '1' },
  out: {
    type: 'string',
    help: "directory for Telegram's delivery logs, the nodes' logs and report.html",
    default: DEFAULT_OUT,
  },
  'delay-ms': { ...DEMO_OPTIONS['delay-ms']!, help: 'pacing between two sends of one session, campaign ms' },
  capacity: DEMO_OPTIONS.capacity!,
  'fleet-cap': {
    ...DEMO_OPTIONS['fleet-cap']!,
    help: "sends per second for each node's sessions (its fleetSendsPerSecond)",
  },
  speed: { type: 'string', help: 'campaign seconds per real second (1–100)', default: '10' },
  'kill-at': {
    type: 'string',
    help: "SIGKILL the last node once this share of the recipients has an outcome, e.g. 40%, or 'none'",
    default: '40%',
  },
  'restart-redis-at': {
    type: 'string',
    help: "restart Redis (SIGTERM, then start it again on its append-only file) once this share has an outcome, or 'none'",
    default: 'none',
  },
  'down-ms': {
    type: 'string',
    help: 'how long the killed node stays down before it restarts, real ms',
    default: '3000',
  },
  'lock-ms': {
    type: 'string',
    help: "the cluster's lockMs: a killed node's items come back one to two of these later, real ms",
    default: '2000',
  },
  plain: DEMO_OPTIONS.plain!,
  help: DEMO_OPTIONS.help!,
};

export const CLUSTER_DEMO_USAGE = usage(
  'pnpm demo:cluster -- ',
  "The demo's text campaign over a cluster: a Redis started on a free port (Debian's redis-server),\n" +
    'and node processes, each a TelegramSessionManager with its own simulated sessions, all serving\n' +
    'one campaign. One node is killed with SIGKILL part-way and restarted with its node id. Shows\n' +
    "every node's sessions live; then checks the results against the simulated Telegram's delivery\n" +
    'logs and writes report.html, all in --out.',
  OPTIONS,
).replace('pnpm demo:cluster --  [options]', 'pnpm demo:cluster -- [options]');

export interface ClusterDemoConfig {
  readonly nodes: number;
  readonly sessionsPerNode: number;
  readonly recipients: number;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly out: string;
  readonly delayMs: number;
  readonly capacity: number;
  /** Sends per second each node's manager allows its sessions. */
  readonly fleetCap: number;
  readonly speed: number;
  /** Share of recipients settled when the last node is killed; undefined: no kill. */
  readonly killAt: number | undefined;
  readonly downMs: number;
  /** Share of recipients settled when Redis is restarted; undefined: not restarted. */
  readonly restartRedisAt: number | undefined;
  readonly lockMs: number;
  readonly plain: boolean;
}

export function parseClusterDemoOptions(argv: readonly string[]): ClusterDemoConfig | 'help' {
  const values = parseCommandLine(argv, OPTIONS);
  if (values.help === true) return 'help';
  const strategy = strategyOption(values, 'strategy', 'least-loaded');
  /** A share such as 40%, `fallback` when not given, or none. */
  const shareOrNone = (name: string, fallback: number | undefined) =>
    values[name] === 'none' ? undefined : (shareOption(values, name) ?? fallback);
  const out = values.out ?? DEFAULT_OUT;
  if (typeof out !== 'string' || out.trim() === '') throw new UsageError('--out must be a directory path');
  return {
    nodes: intOption(values, 'nodes', 3, 2, 6),
    sessionsPerNode: intOption(values, 'sessions-per-node', 4, 1, 50),
    recipients: intOption(values, 'recipients', 1200, 1, 100_000),
    strategy,
    seed: intOption(values, 'seed', 1, 0, 2 ** 31 - 1),
    out,
    delayMs: intOption(values, 'delay-ms', 2000, 0, 600_000),
    capacity: intOption(values, 'capacity', 4, 1, 100),
    fleetCap: numberOption(values, 'fleet-cap', DEFAULT_FLEET_CAP, { min: 0.01, max: 100_000 }),
    speed: numberOption(values, 'speed', 10, { min: 1, max: 100 }),
    killAt: shareOrNone('kill-at', 0.4),
    downMs: intOption(values, 'down-ms', 3000, 0, 600_000),
    restartRedisAt: shareOrNone('restart-redis-at', undefined),
    lockMs: intOption(values, 'lock-ms', 2000, 1000, 600_000),
    plain: values.plain === true,
  };
}

/** A node as the demo sees it: its current process, its sessions' last rows, what happened to it. */
interface NodeSlot {
  readonly name: string;
  readonly index: number;
  readonly sessions: readonly string[];
  process: NodeProcess;
  rows: readonly SessionRow[];
  /** Real time (performance.now) it was killed, while it is down. */
  killedAt?: number | undefined;
  /** Real time (performance.now) it is started again. */
  restartAt?: number | undefined;
  restarts: number;
  /** Called when the slot's process is replaced (restarted), or when the demo closes. */
  onReplaced?: (() => void) | undefined;
}

/** Run the cluster demo; resolves with whether its check passed. */
export async function runClusterDemo(config: ClusterDemoConfig, out: Output): Promise<boolean> {
  const startedReal = performance.now();
  const dir = resolve(config.out);
  const files = clusterFiles(dir);
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: config.nodes }, (_, i) => nodeName(i));
  for (const path of [
    files.report,
    files.results,
    ...names.flatMap((n) => [files.deliveryLog(n), files.log(n)]),
  ])
    await rm(path, { force: true });
  const redis = await startRedis();
  const slots: NodeSlot[] = [];
  const stopAll = async () => {
    await Promise.all(slots.map((s) => s.process.stop()));
    await redis.dispose();
  };
  const interrupt = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  try {
    return await campaign(config, out, dir, redis, slots, startedReal);
  } finally {
    process.off('SIGINT', interrupt);
    await stopAll();
  }
}

async function campaign(
  config: ClusterDemoConfig,
  out: Output,
  dir: string,
  redis: RedisServer,
  slots: NodeSlot[],
  startedReal: number,
): Promise<boolean> {
  const files = clusterFiles(dir);
  const redisUrl = redis.url;
  const settings: ClusterDemoSettings = {
    redis: redisUrl,
    prefix: 'demo:',
    campaign: 'spring-sale-cluster',
    nodes: config.nodes,
    sessionsPerNode: config.sessionsPerNode,
    recipients: config.recipients,
    strategy: config.strategy,
    seed: config.seed,
    delayMs: config.delayMs,
    capacity: config.capacity,
    fleetCap: config.fleetCap,
    speed: config.speed,
    lockMs: config.lockMs,
    out: dir,
  };
  const fleet = clusterFleet(settings);
  const total = fleet.audience.recipients.length;
  const progress = new CampaignProgress(
    total,
    fleet.profiles.map((p) => p.name),
  );
  const faults: FaultRecord[] = [];
  let summary: BulkSendSummary | undefined;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const killAfter = config.killAt === undefined ? undefined : Math.ceil(config.killAt * total);
  const restartRedisAfter =
    config.restartRedisAt === undefined ? undefined : Math.ceil(config.restartRedisAt * total);
  let redisRestart: Promise<void> | undefined;
  const victim = config.nodes - 1;
  let epoch = 0;
  let closing = false;
  let restart: ReturnType<typeof setTimeout> | undefined;
  const events: string[] = [];
  /** Campaign times of the kills and restarts, marked on the report's charts. */
  const markers: { at: number; label: string }[] = [];
  let clockNow = () => 0;
  let viewStarted = performance.now();
  const at = () => duration(performance.now() - viewStarted);

  const start = (index: number, withEpoch?: number) => {
    const slot = slots[index]!;
    slot.process = new NodeProcess(
      { ...settings, index, ...(withEpoch === undefined ? {} : { epoch: withEpoch }) },
      (m) => onMessage(slot, m),
    );
    slot.onReplaced?.();
  };
  const onMessage = (slot: NodeSlot, m: NodeMessage) => {
    if (m.t === 'rows') slot.rows = m.rows;
    else if (m.t === 'fault') faults.push(m.fault);
    else if (m.t === 'result') {
      progress.record(m.result);
      if (killAfter !== undefined && progress.done === killAfter) kill();
      if (restartRedisAfter !== undefined && progress.done === restartRedisAfter) {
        events.push(`${at()}  Redis stopped with ${progress.done} of ${total} recipients settled`);
        markers.push({ at: clockNow(), label: 'Redis restarted' });
        redisRestart = redis.restart().then(() => {
          events.push(`${at()}  Redis started again on its append-only file`);
        });
      }
    } else if (m.t === 'done') {
      summary = m.summary;
      finished();
    }
  };
  const kill = () => {
    const slot = slots[victim]!;
    slot.process.kill();
    slot.killedAt = performance.now();
    slot.restartAt = slot.killedAt + config.downMs;
    events.push(
      `${at()}  ${slot.name} killed (SIGKILL) with ${progress.done} of ${total} recipients settled`,
    );
    markers.push({ at: clockNow(), label: `${slot.name} killed (SIGKILL)` });
    restart = setTimeout(() => {
      if (closing) return;
      slot.restarts++;
      start(victim, epoch);
      events.push(`${at()}  ${slot.name} restarted with its node id`);
      markers.push({ at: clockNow(), label: `${slot.name} restarted` });
      // A node stopped at the end before it was ready again says nothing more.
      slot.process.said('ready').then(
        () => {
          slot.killedAt = undefined;
        },
        () => {},
      );
    }, config.downMs);
  };

  for (let i = 0; i < config.nodes; i++) {
    const profiles = fleet.sessionsOf(i);
    slots.push({
      name: nodeName(i),
      index: i,
      sessions: profiles.map((p) => p.name),
      process: undefined as unknown as NodeProcess,
      rows: [],
      restarts: 0,
    });
    start(i);
  }
  out.write(
    `Switchyard cluster demo: ${total} recipients over ${config.nodes} node processes with ${config.sessionsPerNode} simulated Telegram sessions each, on Redis ${redisUrl} (started for this demo), strategy ${config.strategy}, seed ${config.seed}\n`,
  );
  await Promise.all(slots.map((s) => s.process.said('loaded')));
  epoch = Date.now();
  for (const s of slots) s.process.startClock(epoch);
  const clock = scaledClock(epoch, config.speed);
  clockNow = () => clock.now();
  const stateOf = (name: string) => {
    const slot = slots.find((s) => s.sessions.includes(name))!;
    if (slot.killedAt !== undefined) return 'reconnecting' as const;
    return slot.rows.find((r) => r.name === name)?.state ?? 'reconnecting';
  };
  const timeline = new TimelineRecorder(
    fleet.profiles.map((p) => p.name),
    stateOf,
    clock.now(),
  );
  const lines = (): ViewLine[] =>
    slots.flatMap((slot) => {
      const down = slot.killedAt !== undefined;
      const heading = down
        ? `${slot.name}  killed (SIGKILL) ${duration(performance.now() - slot.killedAt!)} ago, ${
            performance.now() < (slot.restartAt ?? 0)
              ? `restarts in ${duration(slot.restartAt! - performance.now())}`
              : 'restarting'
          }`
        : `${slot.name}  pid ${slot.process.pid}${slot.restarts > 0 ? `  restarted ${slot.restarts}×` : ''}`;
      const rows = slot.sessions.map(
        (name): SessionRow =>
          (down ? undefined : slot.rows.find((r) => r.name === name)) ?? {
            name,
            state: 'reconnecting',
            inFlight: 0,
            capacity: config.capacity,
          },
      );
      return [heading, ...rows];
    });
  const view = new LiveView({ out, tty: out.isTTY === true && !config.plain, clock, lines, progress });
  const sampling = setInterval(() => timeline.sample(clock.now()), 100);
  const begin = clock.now();
  viewStarted = performance.now();
  view.start();
  // A node that stops on its own (not killed here) ends the demo with its error.
  const failed = Promise.race(
    slots.map(async (slot) => {
      for (;;) {
        const current = slot.process;
        const exit = await current.exited;
        if (summary !== undefined || closing) return;
        if (exit.signal === 'SIGKILL' && slot.killedAt !== undefined) {
          // Killed here: wait for its restart (or the end).
          await new Promise<void>((replaced) => {
            slot.onReplaced = replaced;
            if (slot.process !== current || closing) replaced();
          });
          slot.onReplaced = undefined;
          continue;
        }
        throw new Error(
          `${slot.name} exited (${exit.code ?? exit.signal}): ${exit.stderr || 'no error printed'}`,
        );
      }
    }),
  );
  try {
    await Promise.race([done, failed]);
    await redisRestart;
  } finally {
    closing = true;
    for (const slot of slots) slot.onReplaced?.();
    clearTimeout(restart);
    clearInterval(sampling);
    view.stop();
  }
  const settled = progress.results;
  const end = settled.reduce((latest, r) => Math.max(latest, r.timestamp), begin);
  const timelines = timeline.finish(end);
  // Every node shuts down (its claims released, its clients disconnected) before Telegram's logs are read.
  const exits = await Promise.all(slots.map((s) => s.process.stop()));
  const report = reportCampaign({
    title: 'Switchyard cluster demo campaign',
    subtitle: `${total} recipients · ${config.nodes} nodes × ${config.sessionsPerNode} simulated sessions · strategy ${config.strategy} · seed ${config.seed} · pacing ${config.delayMs} ms per session · fleet cap ${config.fleetCap}/s per node`,
    audience: fleet.audience,
    profiles: fleet.profiles,
    results: settled,
    settledNow: settled,
    summary: summary!,
    bySession: progress.bySession,
    faults,
    deliveryLogs: slots.map((s) => files.deliveryLog(s.name)),
    timelines,
    start: begin,
    end,
    delayMs: config.delayMs,
    // Each node caps its own sessions.
    fleetCapPerSecond: config.nodes * config.fleetCap,
    wallMs: performance.now() - startedReal,
    resumed: false,
    notes: [
      `nodes        ${slots.map((s) => `${s.name} (${s.sessions[0]}–${s.sessions.at(-1)})`).join(', ')}; logs in ${dir}`,
      ...events.map((e) => `             ${e}`),
      `redis        ${redisUrl}, stopped at the end`,
    ],
    reportPath: files.report,
    resultsPath: files.results,
    markers,
  });
  await writeFile(files.report, report.html);
  await writeResultsCsv(files.results, settled, begin);
  out.write(report.summaryText);
  const unclean = slots.flatMap((s, i) =>
    exits[i]!.code === 0
      ? []
      : [`${s.name} (${exits[i]!.code ?? exits[i]!.signal}) ${exits[i]!.stderr}`.trim()],
  );
  if (unclean.length > 0) out.write(`\nnot shut down cleanly: ${unclean.join('; ')}\n`);
  return report.check.ok && unclean.length === 0;
}

export function main(
  argv: readonly string[],
  io: { stdout: Output; stderr: Pick<Output, 'write'> } = process,
) {
  return runCommand(
    'demo:cluster',
    io,
    CLUSTER_DEMO_USAGE,
    () => parseClusterDemoOptions(argv),
    async (config) => {
      try {
        return (await runClusterDemo(config, io.stdout)) ? 0 : 1;
      } catch (error) {
        io.stderr.write(
          `switchyard demo:cluster failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        return 1;
      }
    },
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
