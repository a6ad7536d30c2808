import { strategyName } from '@switchyard/strategies';
import type { TelegramSessionSpec } from '@switchyard/telegram-adapter';
import { z } from 'zod';

/**
 * A `switchyard` config file: `switchyard.json` (or any `--config F.json`), or
 * `switchyard.config.ts` / `.js` / `.mjs` whose default export is one of these (wrap it in
 * `defineConfig` for types). Relative paths are read from the config file's folder. Secrets are
 * never in the file: the API id and hash, and session strings given by `env`, come from the
 * environment.
 */
export interface SwitchyardConfig {
  /**
   * Where the sessions come from: `{ folder: './sessions' }` (one GramJS StringSession per
   * `<name>.session` file), `{ env: true }` (`TELEGRAM_SESSION_<NAME>` and
   * `TELEGRAM_SESSIONS=name=…,name=…`), or, in a .ts / .js config only, the sessions themselves
   * (`[{ name, client }]`, clients built in code, for example behind a proxy).
   */
  readonly sessions: { readonly folder: string } | { readonly env: true } | readonly TelegramSessionSpec[];
  /** The names of the environment variables that hold the API id and hash (from my.telegram.org). */
  readonly api?: { readonly idEnv?: string; readonly hashEnv?: string };
  /** A built-in strategy by its kebab-case name. Default `round-robin`. */
  readonly strategy?: string;
  readonly pacing?: {
    /** Milliseconds between two sends of one session. Default 2000. */
    readonly delayMs?: number;
    /** Sends per second across the whole fleet. Default 30. */
    readonly fleetSendsPerSecond?: number;
  };
  readonly limits?: {
    /** Tasks of each kind running at once across the fleet (default: scraping 5). */
    readonly sending?: number;
    readonly scraping?: number;
    /** Tasks one session runs at once. Default 4. */
    readonly sessionCapacity?: number;
    /** Scrapes per session per UTC day: one number, or by session name. Default 100. */
    readonly dailyScrapeQuota?: number | Readonly<Record<string, number>>;
    /** How long PEER_FLOOD / USER_RESTRICTED / CHANNELS_TOO_MUCH take a capability away, ms. Default 12 h. */
    readonly restrictionMs?: number;
  };
  readonly timeouts?: {
    /** One Telegram request. Default 60000. */
    readonly requestMs?: number;
    /** One media send, upload included. Default 600000. */
    readonly uploadMs?: number;
    /** One connect(). Default 30000. */
    readonly connectMs?: number;
    /** How long a command waits for its first session to connect before it gives up (exit 3). Default connectMs + 5000. */
    readonly firstSessionMs?: number;
  };
  /** Premium accounts may send files up to 4 GB. */
  readonly premium?: boolean;
  /** The campaign journal: a SQLite file. Default `./switchyard.sqlite` beside the config. */
  readonly journal?: string | { readonly path: string; readonly synchronous?: 'normal' | 'full' };
  /** The browser dashboard of `--dashboard`. Default 127.0.0.1:8080; the token comes from `tokenEnv`. */
  readonly dashboard?: { readonly host?: string; readonly port?: number; readonly tokenEnv?: string };
  /** Log level of the logs written to stderr. Default `warn`. */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Types a `switchyard.config.ts`: `export default defineConfig({ … })`. */
export function defineConfig(config: SwitchyardConfig): SwitchyardConfig {
  return config;
}

export const DEFAULTS = {
  journal: './switchyard.sqlite',
  apiIdEnv: 'TELEGRAM_API_ID',
  apiHashEnv: 'TELEGRAM_API_HASH',
  dashboardHost: '127.0.0.1',
  dashboardPort: 8080,
  dashboardTokenEnv: 'SWITCHYARD_DASHBOARD_TOKEN',
  logLevel: 'warn',
} as const;

const positiveInt = z.number().int('must be a whole number').positive('must be a positive number');
const nonNegative = z.number().finite().nonnegative('must be a number ≥ 0');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable');

const SESSIONS_SHAPE =
  'must be { "folder": "./sessions" } or { "env": true } (or, in a .ts config, [{ name, client }])';
// One object with either field, rather than a union of two: a mistake inside it (a misspelt
// field, a folder that is not a string) is then reported at that field.
const fileSessions = z
  .object({
    folder: z.string().min(1, 'must be a folder path').optional(),
    env: z.literal(true, 'must be true').optional(),
  })
  .strict()
  .refine((s) => (s.folder === undefined) !== (s.env === undefined), SESSIONS_SHAPE);
const sessionSpec = z.custom<TelegramSessionSpec>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { name?: unknown }).name === 'string' &&
    'client' in v,
  'must be { name, client }',
);

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    sessions: z.union([fileSessions, z.array(sessionSpec).min(1, 'needs at least one session')], {
      error: SESSIONS_SHAPE,
    }),
    api: z.object({ idEnv: envName.optional(), hashEnv: envName.optional() }).strict().optional(),
    strategy: z
      .string()
      .superRefine((name, ctx) => {
        try {
          strategyName(name);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message:
              (error as Error & { issues?: { reason: string }[] }).issues?.[0]?.reason ?? String(error),
          });
        }
      })
      .optional(),
    pacing: z
      .object({
        delayMs: nonNegative.optional(),
        fleetSendsPerSecond: z.number().finite().positive('must be a positive number').optional(),
      })
      .strict()
      .optional(),
    limits: z
      .object({
        sending: positiveInt.optional(),
        scraping: positiveInt.optional(),
        sessionCapacity: positiveInt.optional(),
        dailyScrapeQuota: z
          .union([nonNegative, z.record(z.string(), nonNegative)], {
            error: 'must be a number ≥ 0, or one by session name',
          })
          .optional(),
        restrictionMs: nonNegative.optional(),
      })
      .strict()
      .optional(),
    timeouts: z
      .object({
        requestMs: positiveInt.optional(),
        uploadMs: positiveInt.optional(),
        connectMs: positiveInt.optional(),
        firstSessionMs: positiveInt.optional(),
      })
      .strict()
      .optional(),
    premium: z.boolean().optional(),
    journal: z
      .union(
        [
          z.string().min(1),
          z.object({ path: z.string().min(1), synchronous: z.enum(['normal', 'full']).optional() }).strict(),
        ],
        { error: 'must be a file path, or { "path": …, "synchronous": "normal" | "full" }' },
      )
      .optional(),
    dashboard: z
      .object({
        host: z.string().min(1).optional(),
        port: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be a port, 0–65535')
          .max(65535, 'must be a port, 0–65535')
          .optional(),
        tokenEnv: envName.optional(),
      })
      .strict()
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  })
  .strict();

/** The keys an object of the config may have, by the object's path (`pacing`, `limits`, …). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    if (typeof key !== 'string') continue;
    let inner: z.ZodType = schema;
    while (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
    if (inner instanceof z.ZodUnion)
      inner = (inner.options as z.ZodType[]).find((o) => o instanceof z.ZodObject) ?? inner;
    if (!(inner instanceof z.ZodObject)) return [];
    schema = (inner.shape as Record<string, z.ZodType>)[key] ?? z.never();
  }
  while (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  if (schema instanceof z.ZodUnion)
    return (schema.options as z.ZodType[]).flatMap((o) =>
      o instanceof z.ZodObject ? Object.keys(o.shape) : [],
    );
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
