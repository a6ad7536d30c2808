import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '@switchyard/core';
import {
  loadSessionsFromEnv,
  loadSessionsFromFolder,
  TelegramSessionManager,
  type TelegramSessionManagerOptions,
  type TelegramSessionSpec,
} from '@switchyard/telegram-adapter';
import type { Logger } from 'pino';
import type { LoadedConfig } from './config/loadConfig.js';
import { DEFAULTS } from './config/schema.js';
import { RuntimeFailure, UsageError } from './exitCodes.js';

/**
 * The values a run must never print: the API hash and every session string it can see. Read
 * before anything is logged, so that `Secrets.scrub` can take them out of any text that might
 * carry one (an error from a library, say).
 */
export class Secrets {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    // Short values (an API id) are not secret and would blot out ordinary text.
    if (value !== undefined && value.trim().length >= 8) this.#values.add(value.trim());
  }

  scrub(text: string): string {
    let out = text;
    for (const v of this.#values) out = out.split(v).join('[redacted]');
    return out;
  }

  /** Session strings of a folder's `*.session` files and of the environment, and the API hash. */
  static async of(loaded: LoadedConfig | undefined, env: NodeJS.ProcessEnv): Promise<Secrets> {
    const secrets = new Secrets();
    for (const [key, value] of Object.entries(env)) {
      if (key.startsWith('TELEGRAM_SESSION_')) secrets.add(value);
      if (key === 'TELEGRAM_SESSIONS')
        for (const pair of (value ?? '').split(',')) secrets.add(pair.slice(pair.indexOf('=') + 1));
    }
    secrets.add(env[loaded?.config.api?.hashEnv ?? DEFAULTS.apiHashEnv]);
    secrets.add(env[DEFAULTS.dashboardTokenEnv]);
    const sessions = loaded?.config.sessions;
    if (sessions !== undefined && !Array.isArray(sessions) && 'folder' in sessions) {
      const files = await readdir(sessions.folder).catch(() => [] as string[]);
      for (const f of files.filter((f) => f.endsWith('.session')))
        secrets.add(await readFile(join(sessions.folder, f), 'utf8').catch(() => undefined));
    }
    return secrets;
  }
}

/** The sessions the config names: from a folder, the environment, or (a .ts config) given as they are. */
export async function loadSessions(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
): Promise<readonly TelegramSessionSpec[]> {
  const { sessions, api } = loaded.config;
  if (Array.isArray(sessions)) return sessions;
  const idEnv = api?.idEnv ?? DEFAULTS.apiIdEnv;
  const hashEnv = api?.hashEnv ?? DEFAULTS.apiHashEnv;
  const missing = [idEnv, hashEnv].filter((name) => (env[name] ?? '').trim() === '');
  if (missing.length > 0)
    throw new UsageError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the API id and hash of your app, from https://my.telegram.org/apps (config field api names the variables)`,
    );
  const credentials = { apiId: env[idEnv]!, apiHash: env[hashEnv]! };
  try {
    return 'folder' in sessions
      ? await loadSessionsFromFolder(sessions.folder, credentials)
      : loadSessionsFromEnv(credentials, env);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new UsageError(
        `sessions: ${error.issues
          .map(
            (i) =>
              `${i.field.replace(/^credentials\.apiId$/, idEnv).replace(/^credentials\.apiHash$/, hashEnv)}: ${i.reason}`,
          )
          .join('; ')}`,
      );
    throw error;
  }
}

/** The manager's options, from the config. */
export function managerOptions(
  loaded: LoadedConfig,
  sessions: readonly TelegramSessionSpec[],
  logger: Logger,
): TelegramSessionManagerOptions {
  const { config } = loaded;
  const limits: TelegramSessionManagerOptions['limits'] = {
    scraping: config.limits?.scraping ?? 5,
    ...(config.limits?.sending === undefined ? {} : { sending: config.limits.sending }),
  };
  const optional = <K extends keyof TelegramSessionManagerOptions>(
    key: K,
    value: TelegramSessionManagerOptions[K] | undefined,
  ): Partial<TelegramSessionManagerOptions> => (value === undefined ? {} : { [key]: value });
  return {
    sessions,
    logger,
    journal: loaded.journal,
    limits,
    ...optional('strategy', config.strategy as TelegramSessionManagerOptions['strategy']),
    ...optional('delayMs', config.pacing?.delayMs),
    ...optional('fleetSendsPerSecond', config.pacing?.fleetSendsPerSecond),
    ...optional('sessionCapacity', config.limits?.sessionCapacity),
    ...optional('dailyScrapeQuota', config.limits?.dailyScrapeQuota),
    ...optional('restrictionMs', config.limits?.restrictionMs),
    ...optional('requestTimeoutMs', config.timeouts?.requestMs),
    ...optional('uploadTimeoutMs', config.timeouts?.uploadMs),
    ...optional('connectTimeoutMs', config.timeouts?.connectMs),
    ...optional('premium', config.premium),
  };
}

/** A manager for the config's fleet. Bad options are a `UsageError`; a journal that cannot be opened a `RuntimeFailure`. */
export async function openFleet(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<TelegramSessionManager> {
  const sessions = await loadSessions(loaded, env);
  try {
    return new TelegramSessionManager(managerOptions(loaded, sessions, logger));
  } catch (error) {
    if (error instanceof ValidationError)
      throw new UsageError(
        `${loaded.file}: ${error.issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`,
      );
    if ((error as { code?: string }).code === 'E_JOURNAL_OPEN')
      throw new RuntimeFailure(`journal: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Wait until a session is connected: the manager connects them in the background, and a run
 * with none would only wait out its budget. A `RuntimeFailure` (exit 3) when none connects.
 */
export async function waitForASession(manager: TelegramSessionManager, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sessions = manager.snapshot().sessions;
    if (sessions.some((s) => s.connection === 'connected')) return;
    if (sessions.every((s) => s.connection === 'dead') || Date.now() > deadline)
      throw new RuntimeFailure(
        `no session could connect within ${Math.round(timeoutMs / 1000)} s (${sessions
          .map((s) => `${s.name}: ${s.connection}`)
          .join(', ')}); check the network, the session files and the API id`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
