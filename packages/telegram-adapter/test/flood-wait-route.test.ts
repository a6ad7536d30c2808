import { describe, expect, it } from 'vitest';
import { type FleetView, soonestSessionFor } from '../src/floodWaitRoute.js';

const worker = (
  id: string,
  state: 'connected' | 'busy' | 'backoff' | 'disconnected',
  extra: { backoffUntil?: number; capabilities?: string[]; removing?: boolean } = {},
) => ({
  id,
  state,
  capabilities: extra.capabilities ?? ['send'],
  removing: extra.removing ?? false,
  ...(extra.backoffUntil === undefined ? {} : { backoffUntil: extra.backoffUntil }),
});

const fleet = (workers: FleetView['workers'], held: Record<string, number> = {}): FleetView => ({
  now: 1000,
  workers,
  heldUntil: (w, c) => held[`${w}/${c}`],
});

const task = { requires: ['send'], antiAffinity: [] as string[], pinnedTo: undefined as string | undefined };

describe('how long a flood-waited item must wait for some session', () => {
  it('is 0 when another session is free or busy, else the soonest end of a backoff', () => {
    expect(
      soonestSessionFor(task, fleet([worker('a', 'backoff', { backoffUntil: 61_000 }), worker('b', 'busy')])),
    ).toBe(0);
    expect(
      soonestSessionFor(
        task,
        fleet([
          worker('a', 'backoff', { backoffUntil: 61_000 }),
          worker('b', 'backoff', { backoffUntil: 31_000 }),
        ]),
      ),
    ).toBe(30_000);
  });

  it('does not count disconnected, departing or excluded sessions, nor one that can never take the item', () => {
    const workers = [
      worker('a', 'backoff', { backoffUntil: 61_000 }),
      worker('b', 'disconnected'),
      worker('c', 'connected', { removing: true }),
      worker('d', 'connected'),
      worker('e', 'connected', { capabilities: [] }),
    ];
    expect(soonestSessionFor({ ...task, antiAffinity: ['d'] }, fleet(workers))).toBe(60_000);
  });

  it('waits for a held capability to come back', () => {
    const workers = [
      worker('a', 'backoff', { backoffUntil: 61_000 }),
      worker('b', 'connected', { capabilities: [] }),
    ];
    expect(soonestSessionFor(task, fleet(workers, { 'b/send': 11_000 }))).toBe(10_000);
  });

  it('counts only the session an item is pinned to (its earlier outcome is unknown there)', () => {
    const workers = [worker('a', 'backoff', { backoffUntil: 61_000 }), worker('b', 'connected')];
    expect(soonestSessionFor({ ...task, pinnedTo: 'a' }, fleet(workers))).toBe(60_000);
  });

  it('is undefined when no session could ever take the item', () => {
    expect(soonestSessionFor(task, fleet([worker('a', 'disconnected')]))).toBeUndefined();
  });
});
