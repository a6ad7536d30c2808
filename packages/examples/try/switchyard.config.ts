// A fleet to try the `switchyard` command with, without a Telegram account: four SIMULATED
// sessions, sim-01 … sim-04. Each is a real GramJS TelegramClient that never connects: its
// Telegram is simulated in this process (../src/simTelegram, the one `pnpm demo` runs on), so
// GramJS builds the same requests it would send to Telegram, and no message leaves the machine.
//
// Everything it keeps goes in switchyard-try/, in the folder the command runs in (the
// repository's root, with `pnpm switchyard`): the campaign journal (try.sqlite) and the simulated
// Telegram's own record of what it delivered (telegram-deliveries.jsonl).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SwitchyardConfig } from '@switchyard/cli';
import { seededRandom, systemClock } from '@switchyard/core';
import { DeliveryLog, type SessionProfile, SimulatedTelegram } from '../src/simTelegram/index.js';

const dir = resolve('switchyard-try');
mkdirSync(dir, { recursive: true });

const profiles: SessionProfile[] = ['sim-01', 'sim-02', 'sim-03', 'sim-04'].map((name, i) => ({
  name,
  // 120–300 ms medians: a data centre next door up to one across a continent.
  medianLatencyMs: 120 + 60 * i,
  latencySigma: 0.4,
  // Well above the pacing below: no flood waits in a short try.
  sendsPerMinute: 600,
  transientRate: 0,
  lostAnswerRate: 0,
}));

const telegram = new SimulatedTelegram({
  clock: systemClock,
  random: (session) => seededRandom(Number(session.slice(-2))),
  profiles,
  // Every username exists and takes messages from strangers.
  audience: { unknown: new Set(), privacyRestricted: new Set() },
  deliveryLog: new DeliveryLog(resolve(dir, 'telegram-deliveries.jsonl')),
});

export default {
  sessions: profiles.map((p) => ({ name: p.name, client: telegram.client(p.name) })),
  strategy: 'least-loaded',
  // The default pace, one send every 2 s per session: the try takes about 15 s, long enough to
  // open the dashboard and watch it.
  pacing: { delayMs: 2000, fleetSendsPerSecond: 8 },
  journal: resolve(dir, 'try.sqlite'),
  // Port 0: the first free port; the command prints the address.
  dashboard: { host: '127.0.0.1', port: 0 },
} satisfies SwitchyardConfig;
