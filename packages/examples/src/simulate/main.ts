import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  allScenarios,
  builtinStrategyFactories,
  compareStrategies,
  formatResults,
  type SimResult,
} from '@switchyard/strategies/simulator';
import { intOption, type OptionSpec, parseCommandLine, UsageError, usage } from '../shared/cli.js';
import { percentileChart } from './chart.js';

export const SIMULATE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  seed: { type: 'string', help: 'seed for every scenario', default: '1' },
  out: { type: 'string', help: 'where to write the SVG chart', default: 'switchyard-simulation.svg' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** `pnpm simulate`: every simulator scenario with every built-in strategy, on virtual time. */
export async function main(
  argv: readonly string[],
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } } = process,
): Promise<number> {
  let seed: number;
  let out: string;
  try {
    const values = parseCommandLine(argv, SIMULATE_OPTIONS);
    if (values.help === true) {
      io.stdout.write(
        usage(
          'pnpm simulate --',
          "Runs the strategies package's simulator scenarios with every built-in strategy,\nprints the comparison table and writes an SVG chart of latency percentiles.",
          SIMULATE_OPTIONS,
        ),
      );
      return 0;
    }
    seed = intOption(values, 'seed', 1, 0, 2 ** 31 - 1);
    out =
      typeof values.out === 'string' && values.out.trim() !== '' ? values.out : 'switchyard-simulation.svg';
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(
      `switchyard simulate: ${error.message}\nRun \`pnpm simulate -- --help\` to list every option.\n`,
    );
    return 2;
  }
  const started = performance.now();
  const results: SimResult[] = [];
  for (const scenario of allScenarios()) {
    results.push(...compareStrategies([scenario], builtinStrategyFactories, seed));
    io.stdout.write(`  ${scenario.name}: ${Object.keys(builtinStrategyFactories).length} strategies done\n`);
  }
  io.stdout.write(`\n${formatResults(results)}\n`);
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
