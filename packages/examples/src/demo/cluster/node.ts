// One node of `pnpm demo:cluster`, in a process of its own: its share of the simulated sessions
// behind one TelegramSessionManager in the demo's cluster on Redis. Started by the demo with its
// settings as JSON (NodeArgs); reports to the demo as JSON lines on stdout (NodeMessage). The
// first node also starts the campaign and reports each result of the whole cluster.
import { createInterface } from 'node:readline';
import { seededRandom } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import {
  type BulkSendSummary,
  type MessageResult,
  TelegramSessionManager,
} from '@switchyard/telegram-adapter';
import { pino } from 'pino';
import { DeliveryLog, type FaultRecord, SimulatedTelegram } from '../../simTelegram/index.js';
import { MESSAGE } from '../campaign.js';
import { type SessionRow, sessionRows } from '../liveView.js';
import { clusterFiles, clusterFleet, type NodeArgs, nodeName, scaledClock } from './clusterSettings.js';

/** What a node tells the demo, one JSON object per line. */
export type NodeMessage =
  | { readonly t: 'loaded' }
  | { readonly t: 'ready' }
  | { readonly t: 'rows'; readonly rows: readonly SessionRow[] }
  | { readonly t: 'fault'; readonly fault: FaultRecord }
  | { readonly t: 'result'; readonly result: MessageResult }
  | { readonly t: 'done'; readonly summary: BulkSendSummary };

/** How often a node reports its sessions, real ms. */
const ROWS_EVERY_MS = 100;

const say = (message: NodeMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** The campaign clock's epoch: given, or the first line of stdin (the demo sends it once every node has loaded). */
async function epochOf(args: NodeArgs): Promise<number> {
  if (args.epoch !== undefined) return args.epoch;
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return Number(line);
  }
  throw new Error('stdin ended before the campaign clock was started');
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as NodeArgs;
  const node = nodeName(args.index);
  let manager: TelegramSessionManager | undefined;
  let rows: ReturnType<typeof setInterval> | undefined;
  // Stopped (SIGTERM, or Ctrl-C): shut down cleanly, whenever it comes.
  const stop = () => {
    clearInterval(rows);
    if (manager === undefined) process.exit(0);
    void manager.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  say({ t: 'loaded' });
  const clock = scaledClock(await epochOf(args), args.speed);
  const files = clusterFiles(args.out);
  const fleet = clusterFleet(args);
  const profiles = fleet.sessionsOf(args.index);
  const telegram = new SimulatedTelegram({
    clock,
    random: (name) => seededRandom(args.seed * 7919 + fleet.profiles.findIndex((p) => p.name === name) + 101),
    profiles,
    audience: fleet.audience,
    deliveryLog: new DeliveryLog(files.deliveryLog(node)),
    onFault: (fault) => say({ t: 'fault', fault }),
  });
  manager = new TelegramSessionManager({
    sessions: profiles.map((p) => ({ name: p.name, client: telegram.client(p.name) })),
    strategy: createStrategy(args.strategy, {
      random: seededRandom(args.seed * 7919 + 3 + args.index),
      clock,
    }),
    clock,
    delayMs: args.delayMs,
    sessionCapacity: args.capacity,
    fleetSendsPerSecond: args.fleetCap,
    logger: pino({ level: 'info' }, pino.destination({ dest: files.log(node), append: true, sync: true })),
    cluster: { redis: args.redis, node, prefix: args.prefix, lockMs: args.lockMs },
  });
  const serving = manager;
  rows = setInterval(() => say({ t: 'rows', rows: sessionRows(serving) }), ROWS_EVERY_MS);
  await manager.serve();
  say({ t: 'ready' });
  if (args.index !== 0) return;
  const op = manager.sendTextMessagesBulk(fleet.audience.recipients, MESSAGE, { campaign: args.campaign });
  op.results$.subscribe((result) => say({ t: 'result', result }));
  const { summary } = await op;
  say({ t: 'done', summary });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exit(1);
});
