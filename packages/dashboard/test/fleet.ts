// A TelegramSessionManager over stand-in clients that carry secrets (a session string, an
// API hash, a phone number), on a virtual clock, for the dashboard's tests.
import { VirtualClock } from '@switchyard/core';
import { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { afterAll, beforeAll } from 'vitest';
import { type Dashboard, type DashboardOptions, startDashboard } from '../src/index.js';

export const SECRETS = {
  sessionString: '1BAAOMTQ5LjE1NC4xNjcuNTEAUFAKEsessionSTRINGthatMUSTneverLEAVEtheSERVERxyz0123456789',
  apiHash: 'fedcba9876543210fedcba9876543210',
  phone: '+15550123987',
} as const;

/** A client that connects at once and answers nothing: enough for sessions that sit idle. */
function client(name: string) {
  return {
    connected: undefined as boolean | undefined,
    session: { save: () => `${SECRETS.sessionString}${name}` },
    apiHash: SECRETS.apiHash,
    apiId: 12345,
    phoneNumber: SECRETS.phone,
    _phone: SECRETS.phone,
    async connect() {
      this.connected = true;
      return true;
    },
    async disconnect() {
      this.connected = false;
    },
    async invoke(): Promise<never> {
      throw new Error('not scripted');
    },
    async getInputEntity(): Promise<never> {
      throw new Error('not scripted');
    },
    async uploadFile(): Promise<never> {
      throw new Error('not scripted');
    },
    addEventHandler() {},
    removeEventHandler() {},
  };
}

export function fleet(sessions = 3): { manager: TelegramSessionManager; clock: VirtualClock } {
  const clock = new VirtualClock(0);
  const manager = new TelegramSessionManager({
    sessions: Array.from({ length: sessions }, (_, i) => ({
      name: `s${i}`,
      // biome-ignore lint/suspicious/noExplicitAny: a stand-in for a GramJS client.
      client: client(`s${i}`) as any,
    })),
    clock,
  });
  return { manager, clock };
}

/**
 * A dashboard over `fleet(sessions)` for the tests of one `describe`: started before them,
 * closed (and the manager shut down) after them.
 */
export function served(sessions: number, options: Omit<DashboardOptions, 'manager'> = {}) {
  const { manager } = fleet(sessions);
  const it: { manager: TelegramSessionManager; dashboard: Dashboard } = {
    manager,
    dashboard: undefined as never,
  };
  beforeAll(async () => {
    it.dashboard = await startDashboard({ manager, port: 0, ...options });
  });
  afterAll(async () => {
    await it.dashboard.close();
    await manager.shutdown();
  });
  return it;
}
