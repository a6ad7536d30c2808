import type { BulkOperation } from '@switchyard/core';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { DEFAULTS } from './config/schema.js';
import { UsageError } from './exitCodes.js';

/** Where `--dashboard` serves, and with which token. */
export interface DashboardSpec {
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
}

/** The part of `@switchyard/dashboard` the command uses. */
interface DashboardModule {
  startDashboard(options: {
    manager: TelegramSessionManager;
    host: string;
    port: number;
    token?: string;
    fleetSendsPerSecond?: number;
    title?: string;
  }): Promise<RunningDashboard>;
}

export interface RunningDashboard {
  track(operation: BulkOperation<unknown, unknown>, options: { name: string; total?: number }): void;
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The dashboard's address: `--dashboard` alone takes the config's (default 127.0.0.1:4680);
 * `--dashboard host:port`, `--dashboard :port` or `--dashboard port` override it. The token is
 * `--dashboard-token`, else the variable `dashboard.tokenEnv` names (`SWITCHYARD_DASHBOARD_TOKEN`).
 * A host other than loopback needs a token, since anyone who reaches it could watch the fleet.
 */
export function dashboardSpec(
  flag: string,
  config: { host?: string; port?: number; tokenEnv?: string } | undefined,
  tokenFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): DashboardSpec {
  let host = config?.host ?? DEFAULTS.dashboardHost;
  let port = config?.port ?? DEFAULTS.dashboardPort;
  if (flag !== '') {
    const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(flag);
    if (m === null || Number(m[2]) > 65535)
      throw new UsageError(
        `--dashboard: ${JSON.stringify(flag)} is not host:port, :port or a port (0–65535)`,
      );
    if (m[1] !== undefined && m[1] !== '') host = m[1];
    port = Number(m[2]);
  }
  const token = tokenFlag ?? env[config?.tokenEnv ?? DEFAULTS.dashboardTokenEnv];
  if (!LOOPBACK.has(host) && (token === undefined || token === ''))
    throw new UsageError(
      `--dashboard: ${host} is reachable from other machines, so the dashboard needs a token: --dashboard-token or ${config?.tokenEnv ?? DEFAULTS.dashboardTokenEnv}`,
    );
  return { host, port, token: token === '' ? undefined : token };
}

// A variable, so that the compiler does not need the package: it is an optional companion.
const DASHBOARD_PACKAGE = '@switchyard/dashboard';

/**
 * Start the browser dashboard (`@switchyard/dashboard`, installed beside the command). Missing,
 * it is a `UsageError` saying how to install it, raised before anything is sent.
 */
export async function startDashboard(
  manager: TelegramSessionManager,
  spec: DashboardSpec,
  extra: { fleetSendsPerSecond?: number; title: string },
): Promise<RunningDashboard> {
  let module: DashboardModule;
  try {
    module = (await import(DASHBOARD_PACKAGE)) as DashboardModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(
        `--dashboard needs ${DASHBOARD_PACKAGE}: install it beside the command (npm install ${DASHBOARD_PACKAGE})`,
      );
    throw error;
  }
  return module.startDashboard({
    manager,
    host: spec.host,
    port: spec.port,
    ...(spec.token === undefined ? {} : { token: spec.token }),
    ...(extra.fleetSendsPerSecond === undefined ? {} : { fleetSendsPerSecond: extra.fleetSendsPerSecond }),
    title: extra.title,
  });
}
