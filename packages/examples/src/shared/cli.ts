import { parseArgs } from 'node:util';
import { ValidationError } from '@switchyard/core';
import { type StrategyName, strategyName } from '@switchyard/strategies';
import { exitIfNodeTooOld } from './nodeVersion.js';

/** A command-line mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Shown in --help. */
  readonly help: string;
  /** Shown in --help as the default. */
  readonly default?: string;
}

/** Parse `argv` strictly; unknown options and stray arguments are `UsageError`s. */
export function parseCommandLine(
  argv: readonly string[],
  specs: Readonly<Record<string, OptionSpec>>,
): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs))
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}) };
  // pnpm passes the `--` separator through; treat a leading one as nothing.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // node:util's messages name the option ("Unknown option '--sesions'"); keep them.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

/** A number option within [min, max]; with `integer`, whole numbers only. */
export function numberOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const n = text === '' || (range.integer && !/^-?\d+$/.test(text)) ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n < range.min || n > range.max) {
    const what = range.integer ? 'an integer' : 'a number';
    throw new UsageError(
      `--${name} must be ${what} from ${range.min} to ${range.max} (got ${JSON.stringify(raw)})`,
    );
  }
  return n;
}

/**
 * A built-in strategy's name given as `--name` (or `fallback`). Any spelling works
 * (`p2cPeakEwma`, `p2c_peak_ewma`; Node prints a warning naming the one spelling); an unknown
 * name is a `UsageError` suggesting the nearest and listing them all.
 */
export function strategyOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: StrategyName,
): StrategyName {
  const raw = values[name];
  if (raw === undefined) return fallback;
  try {
    return strategyName(String(raw));
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`--${name}: ${error.reason}`);
    throw error;
  }
}

/** An integer option within [min, max]. */
export const intOption = (
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number => numberOption(values, name, fallback, { min, max, integer: true });

/** The --help text: one line per option. */
export function usage(command: string, summary: string, specs: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    return `  ${flag.padEnd(30)} ${spec.help}${def}`;
  });
  return `Usage: ${command} [options]\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n`;
}

/**
 * Read a command line with `read`; a `UsageError` is written to `stderr` with the hint to run
 * `pnpm <script> -- --help`, and gives `undefined` (the caller exits with code 2). On a Node
 * older than the commands need, says which Node they need and exits with code 1 first.
 */
export function readCommandLine<T>(
  script: string,
  stderr: { write(s: string): unknown },
  read: () => T,
): { readonly value: T } | undefined {
  exitIfNodeTooOld(stderr);
  try {
    return { value: read() };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(
      `switchyard ${script}: ${error.message}\nRun \`pnpm ${script} -- --help\` to list every option.\n`,
    );
    return undefined;
  }
}

/**
 * A comma-separated list of whole numbers in [min, max] given as `--name` (or `fallback`);
 * `none` is the empty list. Anything else is a `UsageError` naming the option.
 */
export function intListOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: string,
  min: number,
  max: number,
): number[] {
  const raw = values[name] ?? fallback;
  if (raw === 'none') return [];
  const items = String(raw)
    .split(',')
    .map((s) => s.trim());
  if (!items.every((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max))
    throw new UsageError(
      `--${name} must be whole numbers from ${min} to ${max}, comma-separated (got ${JSON.stringify(raw)})`,
    );
  return items.map(Number);
}

/**
 * A command's `main`: read its command line (a mistake is printed with the hint, exit code 2),
 * print its usage for `--help` (exit code 0), else run it with the options read.
 */
export async function runCommand<T>(
  script: string,
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
  usageText: string,
  parse: () => T | 'help',
  run: (options: T) => Promise<number>,
): Promise<number> {
  const read = readCommandLine(script, io.stderr, parse);
  if (read === undefined) return 2;
  if (read.value === 'help') {
    io.stdout.write(usageText);
    return 0;
  }
  return run(read.value as T);
}

/**
 * `argv` with `fallback` put after a bare `--name` (one given last, or before another option),
 * so that a string option's value may be left out: `--dashboard` means `--dashboard <fallback>`.
 */
export function withOptionalValue(argv: readonly string[], name: string, fallback: string): string[] {
  const out: string[] = [];
  argv.forEach((arg, i) => {
    out.push(arg);
    const next = argv[i + 1];
    if (arg === `--${name}` && (next === undefined || next.startsWith('-'))) out.push(fallback);
  });
  return out;
}
