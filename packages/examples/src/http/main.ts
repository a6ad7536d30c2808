import { pathToFileURL } from 'node:url';
import { seededRandom } from '@switchyard/core';
import type { StrategyName } from '@switchyard/strategies';
import { table } from '../demo/format.js';
import { intOption, type OptionSpec, parseCommandLine, readCommandLine, usage } from '../shared/cli.js';
import { type LoadTestResult, runLoadTest } from './loadTest.js';
import { DEFAULT_UPSTREAMS, startUpstreams } from './upstreams.js';

export const HTTP_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  requests: { type: 'string', help: 'requests per strategy (1–1000000)', default: '10000' },
  clients: { type: 'string', help: 'concurrent callers', default: '48' },
  capacity: { type: 'string', help: 'requests one upstream takes at once', default: '16' },
  seed: { type: 'string', help: 'seed for the upstreams and the strategies', default: '1' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const HTTP_STRATEGIES = [
  'round-robin',
  'p2c-peak-ewma',
  'adaptive',
] as const satisfies readonly StrategyName[];

const ms = (v: number) => `${v.toFixed(1)} ms`;

/** The comparison table: one row per strategy, with each upstream's share of the requests. */
export function formatHttpResults(results: readonly LoadTestResult[]): string {
  const names = Object.keys(results[0]?.perUpstream ?? {});
  return table(
    ['strategy', 'p50', 'p99', 'p99.9', 'errors', 'wall', ...names],
    results.map((r) => [
      r.strategy,
      ms(r.p50),
      ms(r.p99),
      ms(r.p999),
      r.errors,
      `${(r.wallMs / 1000).toFixed(1)} s`,
      ...names.map((n) => `${(((r.perUpstream[n] ?? 0) / Math.max(1, r.requests)) * 100).toFixed(1)} %`),
    ]),
  );
}

/** `pnpm example:http`: 0 on success, 2 for a bad option. */
export async function main(
  argv: readonly string[],
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } } = process,
): Promise<number> {
  const read = readCommandLine('example:http', io.stderr, () => {
    const values = parseCommandLine(argv, HTTP_OPTIONS);
    return {
      values,
      requests: intOption(values, 'requests', 10_000, 1, 1_000_000),
      clients: intOption(values, 'clients', 48, 1, 10_000),
      capacity: intOption(values, 'capacity', 16, 1, 10_000),
      seed: intOption(values, 'seed', 1, 0, 2 ** 31 - 1),
    };
  });
  if (read === undefined) return 2;
  const { values, requests, clients, capacity, seed } = read.value;
  if (values.help === true) {
    io.stdout.write(
      usage(
        'pnpm example:http --',
        'Balances requests over five real HTTP servers on 127.0.0.1 whose latencies differ and change,\nwith round-robin, p2c-peak-ewma and adaptive, and prints latency percentiles.',
        HTTP_OPTIONS,
      ),
    );
    return 0;
  }
  const upstreams = await startUpstreams(DEFAULT_UPSTREAMS, { random: seededRandom(seed) });
  try {
    io.stdout.write(
      `${requests} requests per strategy from ${clients} callers over ${upstreams.servers.length} upstreams on 127.0.0.1 (${upstreams.servers.map((s) => s.name).join(', ')})\n`,
    );
    const results: LoadTestResult[] = [];
    for (const strategy of HTTP_STRATEGIES) {
      results.push(await runLoadTest(upstreams, { strategy, requests, clients, capacity, seed }));
      io.stdout.write(`  ${strategy} done\n`);
    }
    io.stdout.write(`\n${formatHttpResults(results)}\n`);
    return 0;
  } finally {
    await upstreams.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
