import type { MonitoredMessage } from '../src/chatMonitor.js';
import type { ScriptedHarness } from './scriptedHarness.js';
import { elapse } from './settle.js';

/** Let GramJS's update dispatch and the monitor's requests run (real turns), then `ms` of virtual time. */
export function flush(h: ScriptedHarness, ms = 0): Promise<void> {
  return elapse(h.clock, ms);
}

/** Start monitoring `chat` and collect what is delivered; resolves once a session watches it. */
export async function watch(h: ScriptedHarness, chat: string): Promise<MonitoredMessage[]> {
  const got: MonitoredMessage[] = [];
  h.manager.startMonitoring([chat]).subscribe((m) => got.push(m));
  await flush(h);
  if (h.manager.getMonitoringAssignments().get(chat) === undefined) throw new Error(`nobody watches ${chat}`);
  return got;
}

/** The session watching `chat` loses its connection for good. Returns its name. */
export async function loseWatcher(h: ScriptedHarness, chat: string): Promise<string> {
  const first = h.manager.getMonitoringAssignments().get(chat)!;
  h.telegram.unreachable.add(first);
  h.telegram.drop(first);
  await flush(h);
  return first;
}
