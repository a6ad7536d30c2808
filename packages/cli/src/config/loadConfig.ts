import { access, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { type DocumentNode, evaluate, parse } from '@humanwhocodes/momoa';
import { nearestName } from '@switchyard/strategies';
import type { z } from 'zod';
import { UsageError } from '../exitCodes.js';
import { firstDuplicate, locate } from './jsonLocation.js';
import { configSchema, DEFAULTS, knownKeys, type SwitchyardConfig } from './schema.js';

/** A config as read: the checked values, with paths made absolute, and the file it came from. */
export interface LoadedConfig {
  readonly file: string;
  readonly config: SwitchyardConfig;
  /** The journal's SQLite file, absolute. */
  readonly journal: string | { readonly path: string; readonly synchronous?: 'normal' | 'full' };
}

/** The files looked for, in this order, when `--config` is not given. */
export const CONFIG_FILES = [
  'switchyard.config.ts',
  'switchyard.config.mts',
  'switchyard.config.mjs',
  'switchyard.config.js',
  'switchyard.json',
] as const;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The config file to use: `given`, else the first of `CONFIG_FILES` in `cwd`. */
export async function findConfig(given: string | undefined, cwd: string): Promise<string> {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!(await exists(path))) throw new UsageError(`--config: ${given} does not exist`);
    return path;
  }
  for (const name of CONFIG_FILES) if (await exists(resolve(cwd, name))) return resolve(cwd, name);
  throw new UsageError(
    `no config file: pass --config FILE, or create switchyard.json (or switchyard.config.ts) here; see switchyard --help`,
  );
}

/**
 * Read and check a config file. A JSON file (comments allowed) is parsed with positions, so each
 * mistake is reported as `file:line:column field: reason`; a .ts / .js / .mjs file is loaded with
 * jiti (its default export). Every mistake is a `UsageError` listing all of them.
 */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const json = extname(file) === '.json';
  let raw: unknown;
  let doc: DocumentNode | undefined;
  if (json) {
    // A byte order mark (some Windows editors write one) is not part of the JSON, nor a column.
    const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
    try {
      doc = parse(text, { mode: 'jsonc' });
    } catch (error) {
      const e = error as Error & { line?: number; column?: number };
      throw new UsageError(
        `${file}:${e.line ?? 1}:${e.column ?? 1} ${e.message.replace(/ \(\d+:\d+\)$/, '')}`,
      );
    }
    // JSON readers keep the last of a name written twice, silently: a config says it once.
    const twice = firstDuplicate(doc);
    if (twice !== undefined) {
      const { path, at, first } = twice;
      throw new UsageError(
        `${file}:${at.line}:${at.column} ${path.map(String).join('.')}: written twice (first at line ${first.line}, column ${first.column}); keep one`,
      );
    }
    raw = evaluate(doc.body);
  } else {
    raw = await importConfig(file);
  }
  const checked = configSchema.safeParse(raw);
  if (!checked.success) throw new UsageError(describeIssues(file, raw, checked.error.issues, doc));
  const config = checked.data as SwitchyardConfig;
  const base = dirname(file);
  const sessions =
    !Array.isArray(config.sessions) && 'folder' in config.sessions
      ? { folder: resolve(base, config.sessions.folder) }
      : config.sessions;
  const journal = config.journal ?? DEFAULTS.journal;
  return {
    file,
    config: { ...config, sessions },
    journal:
      typeof journal === 'string'
        ? absolute(base, journal)
        : { ...journal, path: absolute(base, journal.path) },
  };
}

const absolute = (base: string, path: string) => (isAbsolute(path) ? path : resolve(base, path));

async function importConfig(file: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  try {
    const jiti = createJiti(import.meta.url, { moduleCache: false });
    return await jiti.import(file, { default: true });
  } catch (error) {
    throw new UsageError(`${file}: could not be loaded: ${(error as Error).message.split('\n')[0]}`);
  }
}

function describeIssues(
  file: string,
  raw: unknown,
  issues: readonly z.core.$ZodIssue[],
  doc: DocumentNode | undefined,
): string {
  const lines: string[] = [];
  const reported = new Set<string>();
  for (const issue of issues.flatMap(withinUnion)) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const field = path.length === 0 ? '(config)' : path.map(String).join('.');
      // One reason a field: after its type, its length or range say nothing more.
      if (reported.has(field)) continue;
      reported.add(field);
      let reason = issue.message;
      if (key !== undefined) {
        const near = nearestName(key, knownKeys(issue.path));
        reason = `unknown field${near === undefined ? '' : `; did you mean "${near}"?`}`;
      } else if (path.length > 0 && valueAt(raw, path) === undefined) reason = 'is required';
      const at = doc === undefined ? '' : position(doc, issue.path, key);
      lines.push(`${file}${at} ${field}: ${reason}`);
    }
  }
  return lines.join('\n');
}

/**
 * A union's issue as the issues of its one option of the value's shape (the object form of
 * `journal` for an object, say), which say which field is wrong; else the union's own.
 */
function withinUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const shaped = issue.errors.filter(
    (option) => !option.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  if (shaped.length !== 1) return [issue];
  return shaped[0]!.flatMap((i) => withinUnion({ ...i, path: [...issue.path, ...i.path] }));
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function position(doc: DocumentNode, path: readonly PropertyKey[], key: string | undefined): string {
  const { line, column } = locate(doc, path, key);
  return `:${line}:${column}`;
}
