import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SqliteJournal } from '@switchyard/core/sqlite';
import { table } from '../demo/format.js';
import { intOption, type OptionSpec, parseCommandLine, readCommandLine, usage } from '../shared/cli.js';
import { tallyExactlyOnce } from '../shared/exactlyOnce.js';
import { startOrderServers } from './orderServer.js';
import { placeOrders } from './placeOrders.js';

export const DURABLE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  orders: { type: 'string', help: 'orders to place (1–100000)', default: '1000' },
  crashes: { type: 'string', help: 'times the client is killed (SIGKILL) part-way (0–20)', default: '3' },
  seed: { type: 'string', help: 'seed for the servers', default: '1' },
  // The client process, started by this program: not for users.
  client: { type: 'string', help: 'run as the client with this JSON (internal)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

interface ClientArgs {
  readonly urls: readonly string[];
  readonly journal: string;
  readonly orders: number;
  readonly crashAfter?: number;
}

/** Run one client process; resolves with how it ended (`'SIGKILL'` when it killed itself). */
function runClient(args: ClientArgs): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  // The client runs the built program (under a test runner this module is its TypeScript source).
  const self = fileURLToPath(import.meta.url);
  const script = self.endsWith('.ts')
    ? self.replace(/[/\\]src[/\\]/, '/dist/').replace(/\.ts$/, '.js')
    : self;
  const child = spawn(process.execPath, [script, '--client', JSON.stringify(args)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export interface DurableExampleResult {
  readonly orders: number;
  readonly kills: number;
  readonly placed: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly unknown: number;
  readonly failed: number;
  readonly requests: number;
}

/**
 * Place orders through a client process that is killed with SIGKILL part-way, several times,
 * and resumed from its journal each time; then check the servers' own log: every order placed
 * exactly once.
 */
export async function runDurableExample(options: {
  readonly orders: number;
  readonly crashes: number;
  readonly seed: number;
  readonly progress?: (line: string) => void;
}): Promise<DurableExampleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-durable-'));
  const journal = join(dir, 'orders.sqlite');
  const servers = await startOrderServers({ count: 3, seed: options.seed, refuse: 0.03, loseAnswer: 0.01 });
  try {
    let kills = 0;
    for (let i = 0; i <= options.crashes; i++) {
      const last = i === options.crashes;
      // Each run finishes a share of what is left before it is killed.
      const crashAfter = last ? undefined : Math.max(1, Math.floor(options.orders / (options.crashes + 2)));
      const { code, signal } = await runClient({
        urls: servers.urls,
        journal,
        orders: options.orders,
        ...(crashAfter === undefined ? {} : { crashAfter }),
      });
      if (signal === 'SIGKILL') {
        kills++;
        options.progress?.(`client killed (SIGKILL) with ${servers.log.placed.size} orders placed; resuming`);
      } else if (code !== 0) {
        throw new Error(`the client exited with ${code ?? signal}`);
      } else if (!last) {
        options.progress?.('client finished before it was killed');
      }
    }
    const j = new SqliteJournal(journal);
    const batch = await j.open({ id: 'orders', kind: 'http-post', content: { orders: options.orders } });
    const items = await batch.items();
    const status = await batch.status();
    await j.close();
    let requests = 0;
    for (const n of servers.log.arrivals.values()) requests += n;
    // An order the servers never placed is lost unless the journal reports it failed or unknown;
    // one the journal never recorded is lost too.
    const { duplicates, lost } = tallyExactlyOnce(
      servers.log.placed,
      items.map((i) => ({
        key: i.key,
        explained: i.state.state === 'failed' || i.state.state === 'unknown',
      })),
    );
    return {
      orders: options.orders,
      kills,
      placed: servers.log.placed.size,
      duplicates,
      lost: lost.length + options.orders - items.length,
      unknown: status.unknown,
      failed: status.failed,
      requests,
    };
  } finally {
    await servers.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `pnpm example:durable`: 0 when every order was placed exactly once, 1 otherwise, 2 for a bad option. */
export async function main(
  argv: readonly string[],
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } } = process,
): Promise<number> {
  const read = readCommandLine('example:durable', io.stderr, () => {
    const values = parseCommandLine(argv, DURABLE_OPTIONS);
    return {
      values,
      orders: intOption(values, 'orders', 1000, 1, 100_000),
      crashes: intOption(values, 'crashes', 3, 0, 20),
      seed: intOption(values, 'seed', 1, 0, 2 ** 31 - 1),
    };
  });
  if (read === undefined) return 2;
  const { values, orders, crashes, seed } = read.value;
  if (typeof values.client === 'string') {
    await placeOrders(JSON.parse(values.client) as ClientArgs);
    return 0;
  }
  if (values.help === true) {
    io.stdout.write(
      usage(
        'pnpm example:durable --',
        'Places orders over three real HTTP servers on 127.0.0.1 as one durable batch, kills the client\n(SIGKILL) part-way several times, resumes it from its SQLite journal, and checks with the\nservers that every order was placed exactly once.',
        DURABLE_OPTIONS,
      ),
    );
    return 0;
  }
  io.stdout.write(
    `${orders} orders over 3 upstreams on 127.0.0.1; the client is killed ${crashes} time(s)\n`,
  );
  const r = await runDurableExample({
    orders,
    crashes,
    seed,
    progress: (line) => io.stdout.write(`  ${line}\n`),
  });
  io.stdout.write(
    `\n${table(
      ['orders', 'kills', 'requests sent', 'placed', 'duplicates', 'lost', 'failed', 'unknown'],
      [[r.orders, r.kills, r.requests, r.placed, r.duplicates, r.lost, r.failed, r.unknown]],
    )}\n`,
  );
  const ok = r.duplicates === 0 && r.lost === 0;
  io.stdout.write(ok ? 'every order placed at most once, none lost\n' : 'CHECK FAILED\n');
  return ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
