import { describe, expect, it, vi } from 'vitest';
import { startDashboard } from '../src/index.js';
import { fleet } from './fleet.js';
import { get, readEvents, type SseEvent } from './http.js';

const count = () =>
  process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap').length;

/**
 * The count once closing sockets have finished closing (a handle goes a turn or two after its
 * close callback). Read between waits, so the wait's own timer is not counted.
 */
async function countAfterClosing(before: number): Promise<number> {
  let now = count();
  for (let i = 0; i < 50 && now > before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    now = count();
  }
  return now;
}

describe('close()', () => {
  it('ends every stream with the last numbers, stops the server and its timers, and leaves no handle', async () => {
    const before = count();
    const { manager, clock } = fleet(2);
    const dashboard = await startDashboard({ manager, port: 0, clock: () => clock.now() });
    let seen: readonly SseEvent[] = [];
    const streams = [1, 2].map(() =>
      readEvents(
        `${dashboard.url}events`,
        (events) => events.some((e) => e.event === 'end'),
        {},
        (events) => {
          seen = events;
        },
      ),
    );
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    expect(seen[0]?.event).toBe('state');
    await dashboard.close();
    for (const stream of await Promise.all(streams)) {
      expect(stream.status).toBe(200);
      expect(stream.events.map((e) => e.event).slice(-2)).toEqual(['delta', 'end']);
    }
    await expect(get(`${dashboard.url}state`)).rejects.toThrow(/ECONNREFUSED/);
    await dashboard.close(); // again: nothing more to do
    await manager.shutdown();
    expect(await countAfterClosing(before)).toBeLessThanOrEqual(before);
  });

  it('leaves no handle when the port is taken either', async () => {
    const before = count();
    const { manager } = fleet(1);
    const first = await startDashboard({ manager, port: 0 });
    await expect(startDashboard({ manager, port: first.port })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
    await manager.shutdown();
    expect(await countAfterClosing(before)).toBeLessThanOrEqual(before);
  });
});
