import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ValidationError } from '@switchyard/core';
import { z } from 'zod';
import type { GramJsFamilyClient, TelegramClientLike, TelegramSession } from './clientLike.js';
import { createTelegramClient } from './createClient.js';
import { ForeignClient, isForeignClient } from './foreignClient.js';
import { parseOrThrow } from './parseOrThrow.js';

const nameSchema = z
  .string()
  .min(1, 'a session name is required')
  .max(64, 'a session name is at most 64 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'a session name has only letters, digits, _ . and -');

// A StringSession is "1" + base64; anything else would make GramJS throw a confusing error later.
const sessionStringSchema = z
  .string()
  .min(2, 'the session string is empty')
  .regex(/^1[A-Za-z0-9+/=_-]+$/, 'not a GramJS StringSession (it should start with 1 and be base64)');

const credentialsSchema = z.object({
  apiId: z.coerce
    .number({ error: 'apiId must be a number' })
    .int('apiId must be an integer')
    .positive('apiId must be positive'),
  apiHash: z.string().regex(/^[0-9a-f]{32}$/i, 'apiHash must be 32 hex characters'),
});

export interface Credentials {
  readonly apiId: number;
  readonly apiHash: string;
}

const clientShape = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as TelegramClientLike).invoke === 'function' &&
  typeof (value as TelegramClientLike).addEventHandler === 'function';

const sessionListSchema = z
  .array(
    z.object({
      name: nameSchema,
      client: z.custom<TelegramClientLike | GramJsFamilyClient>(
        clientShape,
        'a TelegramClient (or an object with the same methods)',
      ),
      api: z
        .custom<object>(
          (v) =>
            typeof v === 'object' && v !== null && typeof (v as { messages?: unknown }).messages === 'object',
          "the client library's Api namespace (import { Api } from 'teleproto')",
        )
        .optional(),
    }),
  )
  .min(1, 'at least one session is required')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate session name ${s.name}` });
      seen.add(s.name);
    });
  });

/**
 * Validate `[{ name, client, api? }]`. A client of another GramJS-family library (teleproto) is
 * wrapped so that the adapter sees this package's classes (see `ForeignClient`).
 */
export function sessionsFromArray(list: unknown): TelegramSession[] {
  return parseOrThrow(sessionListSchema, list, 'sessions').map(({ name, client, api }) => ({
    name,
    client:
      api !== undefined || isForeignClient(client)
        ? new ForeignClient(client, api)
        : (client as TelegramClientLike),
  }));
}

export interface SessionLoadOptions {
  readonly apiId?: number | string;
  readonly apiHash?: string;
  readonly connectionRetries?: number;
}

// Strict: a misspelt key (say `apiHsh`) is named in the error instead of silently falling back
// to the environment. The credentials' values are checked by `credentialsSchema`.
const loadOptionsSchema = z
  .object({
    apiId: z.unknown().optional(),
    apiHash: z.unknown().optional(),
    connectionRetries: z
      .number({ error: 'connectionRetries must be a number' })
      .int('connectionRetries must be a whole number')
      .nonnegative('connectionRetries must be ≥ 0')
      .optional(),
  } satisfies Record<keyof SessionLoadOptions, unknown>)
  .strict();

/**
 * Credentials from the options, else from `TELEGRAM_API_ID` / `TELEGRAM_API_HASH`.
 * The error never repeats the hash.
 */
export function resolveCredentials(
  options: SessionLoadOptions,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  return parseOrThrow(
    credentialsSchema,
    { apiId: options.apiId ?? env.TELEGRAM_API_ID, apiHash: options.apiHash ?? env.TELEGRAM_API_HASH },
    'credentials',
  );
}

const SESSION_EXT = '.session';

/**
 * Load every `*.session` file (a StringSession, one per file) in `folder`. The session's
 * name is the file name without the extension.
 */
export async function loadSessionsFromFolder(
  folder: string,
  options: SessionLoadOptions = {},
): Promise<TelegramSession[]> {
  parseOrThrow(loadOptionsSchema, options, 'options');
  const credentials = resolveCredentials(options);
  const entries = await readdir(folder).catch(() => {
    throw new ValidationError([{ field: 'folder', reason: 'the folder cannot be read' }]);
  });
  const sessions: TelegramSession[] = [];
  for (const file of entries.filter((f) => extname(f) === SESSION_EXT).sort()) {
    const name = parseOrThrow(nameSchema, basename(file, SESSION_EXT), `folder.${file}`);
    const text = (await readFile(join(folder, file), 'utf8')).trim();
    const sessionString = parseOrThrow(sessionStringSchema, text, `folder.${file}`);
    sessions.push({ name, client: createTelegramClient(sessionString, withRetries(credentials, options)) });
  }
  if (sessions.length === 0) {
    throw new ValidationError([{ field: 'folder', reason: `no *${SESSION_EXT} files in the folder` }]);
  }
  return sessions;
}

/**
 * Load sessions from the environment: every `TELEGRAM_SESSION_<NAME>` variable holds a
 * StringSession (`<NAME>` lower-cased becomes the session name), and `TELEGRAM_SESSIONS`
 * may hold more as `name=string` pairs separated by commas.
 */
export function loadSessionsFromEnv(
  options: SessionLoadOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): TelegramSession[] {
  parseOrThrow(loadOptionsSchema, options, 'options');
  const credentials = resolveCredentials(options, env);
  const pairs: [string, string, string][] = [];
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('TELEGRAM_SESSION_') && value !== undefined) {
      pairs.push([key.slice('TELEGRAM_SESSION_'.length).toLowerCase(), value.trim(), key]);
    }
  }
  for (const item of (env.TELEGRAM_SESSIONS ?? '').split(',')) {
    const at = item.indexOf('=');
    if (item.trim() === '') continue;
    if (at < 0)
      throw new ValidationError([{ field: 'env.TELEGRAM_SESSIONS', reason: 'entries are name=session' }]);
    pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim(), 'TELEGRAM_SESSIONS']);
  }
  if (pairs.length === 0) {
    throw new ValidationError([
      { field: 'env', reason: 'no TELEGRAM_SESSION_<NAME> or TELEGRAM_SESSIONS variables' },
    ]);
  }
  const sessions = pairs
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([name, value, key]) => ({
      name: parseOrThrow(nameSchema, name, `env.${key}`),
      client: createTelegramClient(
        parseOrThrow(sessionStringSchema, value, `env.${key}`),
        withRetries(credentials, options),
      ),
    }));
  return sessionsFromArray(sessions);
}

/** Save a StringSession to `folder/<name>.session`, readable by its owner only (0600). */
export async function saveSessionFile(folder: string, name: string, sessionString: string): Promise<string> {
  const checkedName = parseOrThrow(nameSchema, name, 'name');
  parseOrThrow(sessionStringSchema, sessionString, 'sessionString');
  const path = join(folder, `${checkedName}${SESSION_EXT}`);
  await writeFile(path, `${sessionString}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an existing file is tightened too.
  await chmod(path, 0o600);
  if (((await stat(path)).mode & 0o077) !== 0) {
    throw new ValidationError([{ field: 'folder', reason: 'the session file could not be made private' }]);
  }
  return path;
}

function withRetries(credentials: Credentials, options: SessionLoadOptions) {
  return options.connectionRetries === undefined
    ? credentials
    : { ...credentials, connectionRetries: options.connectionRetries };
}
