import { type Dashboard, isLoopback, startDashboard as serveDashboard } from '@switchyard/dashboard';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { DEFAULTS } from './config/schema.js';
import { UsageError } from './exitCodes.js';

/** Where `--dashboard` serves, and with which token. */
export interface DashboardSpec {
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
}

export type RunningDashboard = Dashboard;

/**
 * The dashboard's address: `--dashboard` alone takes the config's (default 127.0.0.1:8080);
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
  if (!isLoopback(host) && (token === undefined || token === ''))
    throw new UsageError(
      `--dashboard: ${host} is reachable from other machines, so the dashboard needs a token: --dashboard-token or ${config?.tokenEnv ?? DEFAULTS.dashboardTokenEnv}`,
    );
  return { host, port, token: token === '' ? undefined : token };
}

/** Start the browser dashboard (`@switchyard/dashboard`) on the manager. */
export function startDashboard(
  manager: TelegramSessionManager,
  spec: DashboardSpec,
  extra: { fleetSendsPerSecond?: number; title: string },
): Promise<RunningDashboard> {
  return serveDashboard({
    manager,
    host: spec.host,
    port: spec.port,
    ...(spec.token === undefined ? {} : { token: spec.token }),
    ...(extra.fleetSendsPerSecond === undefined ? {} : { fleetSendsPerSecond: extra.fleetSendsPerSecond }),
    title: extra.title,
  });
}
