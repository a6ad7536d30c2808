import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStrategy, strategyNames } from '@switchyard/strategies';
import {
  allScenarios,
  compareStrategies,
  formatResults,
  markdownTable,
  type SimResult,
  simulate,
  telegramScenario,
} from '@switchyard/strategies/simulator';
import { intOption, type OptionSpec, parseCommandLine, readCommandLine, usage } from '../shared/cli.js';
import { percentileChart } from './chart.js';

export const SIMULATE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  seed: { type: 'string', help: 'seed for every scenario', default: '1' },
  'flood-seeds': {
    type: 'string',
    help: 'seeds averaged for the Telegram flood-wait scenario, whose few long waits make one seed noisy',
    default: '200',
  },
  out: { type: 'string', help: 'where to write the SVG chart', default: 'switchyard-simulation.svg' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** `pnpm simulate`: every simulator scenario with every built-in strategy, on virtual time. */
export async function main(
  argv: readonly string[],
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } } = process,
): Promise<number> {
  const read = readCommandLine('simulate', io.stderr, () => {
    const values = parseCommandLine(argv, SIMULATE_OPTIONS);
    return {
      help: values.help === true,
      seed: intOption(values, 'seed', 1, 0, 2 ** 31 - 1),
      floodSeeds: intOption(values, 'flood-seeds', 200, 1, 1000),
      out:
        typeof values.out === 'string' && values.out.trim() !== '' ? values.out : 'switchyard-simulation.svg',
    };
  });
  if (read === undefined) return 2;
  const { seed, floodSeeds, out } = read.value;
  if (read.value.help) {
    io.stdout.write(
      usage(
        'pnpm simulate --',
        "Runs the strategies package's simulator scenarios with every built-in strategy,\nprints the comparison table and writes an SVG chart of latency percentiles.",
        SIMULATE_OPTIONS,
      ),
    );
    return 0;
  }
  const started = performance.now();
  const results: SimResult[] = [];
  for (const scenario of allScenarios()) {
    results.push(...compareStrategies([scenario], undefined, seed));
    io.stdout.write(`  ${scenario.name}: ${strategyNames.length} strategies done\n`);
  }
  io.stdout.write(`\n${formatResults(results)}\n`);
  io.stdout.write(`\n${floodMeans(seed, floodSeeds)}\n`);
  const path = resolve(out);
  await mkdir(resolve(path, '..'), { recursive: true });
  await writeFile(
    path,
    percentileChart(results, `Latency percentiles by strategy (simulator, seed ${seed})`),
  );
  io.stdout.write(
    `\nseed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s wall time\nchart: ${path}\n`,
  );
  return 0;
}

/**
 * The Telegram flood-wait scenario averaged over `n` seeds from `seed`: a run has only a couple
 * of dozen flood waits of 5–60 s, so which strategy "wins" one seed is mostly luck. The ± is the
 * 95 % confidence interval of the mean p50 (1.96 standard errors), so two strategies whose
 * intervals overlap are not told apart by this run.
 */
export function floodMeans(seed: number, n: number): string {
  const rows = strategyNames.map((name) => {
    const p50s: number[] = [];
    let p99 = 0;
    let floods = 0;
    for (let k = 0; k < n; k++) {
      const r = simulate(telegramScenario(), (ctx) => createStrategy(name, ctx), seed + k);
      p50s.push(r.p50);
      p99 += r.p99 / n;
      floods += r.rateLimitHits / n;
    }
    const mean = p50s.reduce((a, b) => a + b, 0) / n;
    const variance = n < 2 ? 0 : p50s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const ci = n < 2 ? '' : ` ± ${Math.round(1.96 * Math.sqrt(variance / n))}`;
    return [name, `${Math.round(mean)}${ci} ms`, `${Math.round(p99)} ms`, floods.toFixed(1)];
  });
  return [
    `telegram-flood, mean of seeds ${seed}–${seed + n - 1}:`,
    '',
    markdownTable(
      ['strategy', 'mean p50 (95 % CI)', 'mean p99', 'mean flood waits'],
      ['left', 'right', 'right', 'right'],
      rows,
    ),
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
