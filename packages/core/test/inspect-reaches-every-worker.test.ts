import { type InspectionEvent, ValidationError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { classifyCarried, FailsAs, sleep, virtualPool } from './helpers.js';

/** The worker id of the actor an inspection event is about. */
const workerOf = (e: InspectionEvent): string =>
  (e.actorRef.getSnapshot() as { context: { id: string } }).context.id;

/** Two workers, a few tasks, a flood wait: the same script with or without an inspector. */
async function script(inspect?: (e: InspectionEvent) => void) {
  const { clock, pool, events } = virtualPool<null>({
    classify: classifyCarried,
    ...(inspect === undefined ? {} : { inspect }),
  });
  pool.addWorker({ id: 'a', resource: null });
  pool.addWorker({ id: 'b', resource: null, capacity: 2 });
  let floods = 0;
  const results = Promise.allSettled([
    pool.submit({ run: () => sleep(clock, 100).then(() => 1) }),
    pool.submit({ run: () => sleep(clock, 200).then(() => 2) }),
    pool.submit({
      run: async () => {
        if (++floods === 1) throw new FailsAs({ kind: 'rate-limited', retryAfterMs: 1000 });
        return 3;
      },
    }),
    pool.submit({ run: () => Promise.reject(new FailsAs({ kind: 'permanent' })) }),
  ]);
  await clock.runAll();
  const settled = await results;
  await pool.close();
  return { events, settled };
}

describe('the inspect option', () => {
  it('reaches every worker actor: each is announced, then reports its events and snapshots', async () => {
    const seen: InspectionEvent[] = [];
    await script((e) => seen.push(e));

    const actors = seen.filter((e) => e.type === '@xstate.actor').map(workerOf);
    expect(actors.sort()).toEqual(['a', 'b']);
    for (const id of ['a', 'b']) {
      const snapshots = seen.filter((e) => e.type === '@xstate.snapshot' && workerOf(e) === id);
      expect(snapshots.length).toBeGreaterThan(1);
      const sent = seen
        .filter((e) => e.type === '@xstate.event' && workerOf(e) === id)
        .map((e) => (e as InspectionEvent & { event: { type: string } }).event.type);
      expect(sent).toContain('TASK_STARTED');
      expect(sent).toContain('TASK_FINISHED');
    }
    // The flood wait put a worker in backoff, and the inspector saw it.
    const states = seen
      .filter((e) => e.type === '@xstate.snapshot')
      .map((e) => (e as InspectionEvent & { snapshot: { value: unknown } }).snapshot.value);
    expect(states).toContain('backoff');
  });

  it('takes an observer too, like the inspect of an inspector from @statelyai/inspect', async () => {
    const types = new Set<string>();
    const { pool } = virtualPool<null>({ inspect: { next: (e) => types.add(e.type) } });
    pool.addWorker({ id: 'a', resource: null });
    await pool.submit({ run: () => 1 });
    await pool.close();
    expect([...types]).toEqual(
      expect.arrayContaining(['@xstate.actor', '@xstate.event', '@xstate.snapshot']),
    );
  });

  it('changes nothing the pool does', async () => {
    const inspected = await script(() => {});
    const plain = await script();
    expect(inspected.events).toEqual(plain.events);
    expect(inspected.settled.map((s) => s.status)).toEqual(plain.settled.map((s) => s.status));
    expect(plain.settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
  });

  it('refuses what is neither a function nor an observer', () => {
    for (const inspect of [42, {}, { next: 1 }, null]) {
      let error: unknown;
      try {
        virtualPool<null>({ inspect: inspect as never });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('options.inspect');
      expect((error as ValidationError).reason).toMatch(/must be a function .* or an observer with next/);
    }
  });
});
