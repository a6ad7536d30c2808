import { isIP } from 'node:net';
import { type LoadEvent, type PoolSnapshot, parseOrThrow } from '@switchyard/core';
import type { SessionInfo } from '@switchyard/telegram-adapter';
import type { Observable } from 'rxjs';
import { z } from 'zod';

/** The environment variable the demo (and the CLI) read the dashboard's token from. */
export const TOKEN_ENV = 'SWITCHYARD_DASHBOARD_TOKEN';

/**
 * What the dashboard reads of a manager: a `TelegramSessionManager` has all of it. It only
 * reads: nothing here changes the pool.
 */
export interface DashboardSource {
  readonly pool: { readonly events$: Observable<LoadEvent>; snapshot(): PoolSnapshot };
  snapshot(): { readonly pool: PoolSnapshot; readonly sessions: readonly SessionInfo[] };
  /** The fleet-wide cap on sends per second, when the manager exposes it. */
  readonly fleetSendsPerSecond?: number;
}

/** Options of `startDashboard`. */
export interface DashboardOptions {
  /** The manager to watch (read-only). */
  manager: DashboardSource;
  /** Address to listen on. Default `127.0.0.1`; any other than a loopback address needs `token`. */
  host?: string | undefined;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number | undefined;
  /**
   * When set, every request must carry it: `Authorization: Bearer <token>`, or `?token=<token>`
   * (for the page and its EventSource). At least 16 printable characters, no spaces.
   */
  token?: string | undefined;
  /** The campaign's clock, ms (the manager's `clock.now`, when it runs on a virtual one). Default `Date.now`. */
  clock?: (() => number) | undefined;
  /** The fleet cap drawn on the throughput chart. Default: the manager's `fleetSendsPerSecond`, else 30. */
  fleetSendsPerSecond?: number | undefined;
  /** The page's title. Default `Switchyard`. */
  title?: string | undefined;
}

/** The options once checked, with their defaults. */
export interface CheckedOptions {
  readonly manager: DashboardSource;
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly clock: () => number;
  readonly fleetSendsPerSecond: number;
  readonly title: string;
}

/** The shortest token taken: 16 characters, so that guessing it over HTTP is hopeless. */
export const MIN_TOKEN_LENGTH = 16;

/** Telegram's broadcast guidance, and the manager's default fleet cap. */
const DEFAULT_FLEET_SENDS_PER_SECOND = 30;

const isFunction = (v: unknown): boolean => typeof v === 'function';

const managerSchema = z.custom<DashboardSource>(
  (v) => {
    const m = v as Partial<Record<string, unknown>> | null;
    const pool = m?.pool as Partial<Record<string, unknown>> | undefined;
    const events = pool?.events$ as Partial<Record<string, unknown>> | undefined;
    return (
      typeof m === 'object' &&
      m !== null &&
      isFunction(m.snapshot) &&
      isFunction(pool?.snapshot) &&
      isFunction(events?.subscribe)
    );
  },
  { message: 'must be a TelegramSessionManager (or have its pool and snapshot())' },
);

const schema = z
  .object({
    manager: managerSchema,
    host: z.string().trim().min(1, 'must be a host name or an IP address').optional(),
    port: z.number().int('must be a whole number').min(0).max(65_535).optional(),
    token: z
      .string()
      .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`)
      .max(512, 'must be at most 512 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
    clock: z.custom<() => number>(isFunction, { message: 'must be a function returning ms' }).optional(),
    fleetSendsPerSecond: z.number().finite().positive().optional(),
    title: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const host = o.host ?? '127.0.0.1';
    if (o.token === undefined && !isLoopback(host))
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `is required to listen on ${host}, which is not a loopback address: pass token (or set ${TOKEN_ENV})`,
      });
  });

/** Check the options (a `ValidationError` names the field) and fill in the defaults. */
export function checkOptions(options: DashboardOptions): CheckedOptions {
  const o = parseOrThrow(schema, options, 'options');
  const fromManager = o.manager.fleetSendsPerSecond;
  return {
    manager: o.manager,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8080,
    token: o.token,
    clock: o.clock ?? Date.now,
    fleetSendsPerSecond:
      o.fleetSendsPerSecond ??
      (typeof fromManager === 'number' && fromManager > 0 ? fromManager : DEFAULT_FLEET_SENDS_PER_SECOND),
    title: o.title ?? 'Switchyard',
  };
}

/** `localhost`, 127.0.0.0/8 or ::1 (bracketed or not). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * `host:port`, `host`, `:port` or `[v6]:port` (as given to `--dashboard`) as a host and a port;
 * the missing part is 127.0.0.1 or 8080. Throws a `ValidationError` on anything else.
 */
export function parseListenAddress(text: string): { readonly host: string; readonly port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2] ?? '';
  const port = m?.[3] === undefined ? 8080 : Number(m[3]);
  return parseOrThrow(
    z.object({
      host: z.string().min(1, 'must be host:port, such as 127.0.0.1:8080'),
      port: z.number().int().min(0).max(65_535),
    }),
    { host: m === null ? '' : host === '' ? '127.0.0.1' : host, port },
    'dashboard',
  );
}

const trackSchema = z.object({
  operation: z.custom<{ results$: Observable<unknown> }>(
    (v) => isFunction((v as { results$?: { subscribe?: unknown } } | null)?.results$?.subscribe),
    { message: 'must be a bulk operation (with results$)' },
  ),
  info: z
    .object({
      name: z.string().min(1).max(200),
      total: z.number().int().min(0).optional(),
    })
    .strict(),
});

/** Check `track`'s arguments; a `ValidationError` names the field. */
export function checkTrack(operation: unknown, info: unknown): void {
  parseOrThrow(trackSchema, { operation, info }, 'track');
}
