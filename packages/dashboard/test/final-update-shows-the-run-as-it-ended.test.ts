import { describe, expect, it, vi } from 'vitest';
import {
  type DashboardDelta,
  type DashboardSnapshot,
  type SessionRow,
  startDashboard,
} from '../src/index.js';
import { fleet } from './fleet.js';
import { readEvents, type SseEvent } from './http.js';

/** The table as the page builds it: the first event's rows, each replaced by later deltas. */
function finalRows(events: readonly SseEvent[]): Map<string, SessionRow> {
  const rows = new Map<string, SessionRow>();
  for (const e of events) {
    if (e.event !== 'state' && e.event !== 'delta') continue;
    for (const row of (JSON.parse(e.data) as DashboardDelta | DashboardSnapshot).sessions)
      rows.set(row.name, row);
  }
  return rows;
}

/** Each session's last state on the timeline. */
function lastTransitions(events: readonly SseEvent[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const e of events) {
    if (e.event !== 'state' && e.event !== 'delta') continue;
    for (const t of (JSON.parse(e.data) as DashboardDelta).transitions) last.set(t.session, t.state);
  }
  return last;
}

describe('the last update', () => {
  it('shows a session restricted during the run as restricted, though the manager shut down before the dashboard closed', async () => {
    const { manager, clock } = fleet(2);
    const dashboard = await startDashboard({ manager, port: 0, clock: () => clock.now() });
    // The first session to try it is told PEER_FLOOD (it loses sending to strangers for hours);
    // the item then goes to the other one.
    let flooded: string | undefined;
    const peerFlood = Object.assign(new Error('PEER_FLOOD'), { errorMessage: 'PEER_FLOOD', code: 400 });
    const sent = manager.pool.submit({
      kind: 'sending',
      run: async ({ worker }) => {
        if (flooded !== undefined) return worker;
        flooded = worker;
        throw peerFlood;
      },
    });
    await clock.advance(1000);
    await sent;
    expect(flooded).toBeDefined();
    expect(Object.keys(manager.getSessionInfo(flooded!).restricted)).toEqual(['send-to-strangers']);
    let seen: readonly SseEvent[] = [];
    const stream = readEvents(
      `${dashboard.url}events`,
      (events) => events.some((e) => e.event === 'end'),
      {},
      (events) => {
        seen = events;
      },
    );
    await vi.waitFor(() => expect(finalRows(seen).get(flooded!)?.state).toBe('restricted'));

    // The order a program that shuts its manager down first (the demo does) closes them in.
    await manager.shutdown();
    await dashboard.close();
    const { events } = await stream;
    expect(events.at(-1)?.event).toBe('end');
    const rows = finalRows(events);
    expect(rows.get(flooded!)).toMatchObject({ state: 'restricted', restricted: ['send-to-strangers'] });
    // The table and the timeline end on the same state.
    expect(lastTransitions(events).get(flooded!)).toBe('restricted');
  });
});
