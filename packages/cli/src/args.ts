import { parseArgs } from 'node:util';
import { nearestName } from '@switchyard/strategies';
import { UsageError } from './exitCodes.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** An option whose value may be left out (`--dashboard` or `--dashboard 0.0.0.0:8080`): read as `''`. */
  readonly optionalValue?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type Values<S extends OptionSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean'
    ? boolean
    : S[K]['multiple'] extends true
      ? string[]
      : string;
};

/**
 * Parse a command's arguments with `node:util`'s strict `parseArgs`. An unknown option, a
 * missing value or an extra argument is a `UsageError` that names it (and the option it most
 * likely meant).
 */
export function parseCommand<S extends OptionSpecs>(
  command: string,
  argv: readonly string[],
  specs: S,
  maxPositionals = 0,
): { values: Values<S>; positionals: string[] } {
  const args = [...argv];
  for (let i = 0; i < args.length; i++) {
    const name = args[i]?.startsWith('--') ? args[i]!.slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && specs[name]?.optionalValue && (next === undefined || next.startsWith('-')))
      args[i] = `--${name}=`;
  }
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [
      name,
      { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${command}: ${describeParseError(error as Error & { code?: string }, specs)}`);
  }
  if (parsed.positionals.length > maxPositionals)
    throw new UsageError(
      `${command}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`,
    );
  return { values: parsed.values as Values<S>, positionals: parsed.positionals };
}

function describeParseError(error: Error & { code?: string }, specs: OptionSpecs): string {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(error.message)?.[1];
  if (unknown !== undefined) {
    const near = nearestName(unknown.replace(/^-+/, ''), Object.keys(specs));
    return `unknown option ${unknown}${near === undefined ? '' : ` (did you mean --${near}?)`}; see --help`;
  }
  // parseArgs' own messages name the option ("Option '--config <value>' argument missing").
  return `${error.message.replace(/\.$/, '')}; see --help`;
}
