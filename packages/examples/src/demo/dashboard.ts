import { type Dashboard, startDashboard } from '@switchyard/dashboard';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';
import type { Output } from './liveView.js';

/** Where `--dashboard` serves the live dashboard, and the token it asks for. */
export interface DashboardSetting {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
}

/**
 * Serve the live dashboard of the demo's fleet, on its campaign clock, and print its address.
 * `opened` gets it, so the demo closes it however the run ends.
 */
export async function openDemoDashboard(
  setting: DashboardSetting,
  manager: TelegramSessionManager,
  now: () => number,
  out: Output,
  opened: { dashboard?: Dashboard },
): Promise<Dashboard> {
  const dashboard = await startDashboard({
    manager,
    host: setting.host,
    port: setting.port,
    token: setting.token,
    clock: now,
    title: 'Switchyard demo campaign',
  });
  opened.dashboard = dashboard;
  const query = setting.token === undefined ? '' : '?token=<your token>';
  out.write(`Live dashboard: ${dashboard.url}${query}\n`);
  return dashboard;
}
