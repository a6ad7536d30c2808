import { BulkOperation } from '@switchyard/core';
import type { MessageResult } from '@switchyard/telegram-adapter';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../src/index.js';
import { fleet, SECRETS } from './fleet.js';
import { get, readEvents } from './http.js';

const TOKEN = 'a-long-enough-token-0123456789';

describe('secrets', () => {
  it('never reach the page, its assets, /state, /events or /metrics', async () => {
    const { manager, clock } = fleet(3);
    const dashboard = await startDashboard({ manager, port: 0, token: TOKEN, clock: () => clock.now() });
    // Work whose errors carry every secret: in the message, the code and the cause.
    const leaky = (session: string) =>
      Object.assign(
        new Error(`failed on ${SECRETS.sessionString}${session} ${SECRETS.apiHash} ${SECRETS.phone}`),
        {
          code: `FLOOD_WAIT_${SECRETS.phone}`,
          cause: manager,
        },
      );
    const tasks = Array.from({ length: 6 }, (_, i) =>
      manager.pool
        .submit({
          kind: 'sending',
          run: async ({ worker }) => {
            if (i % 2 === 0) throw leaky(worker);
            return worker;
          },
        })
        .catch(() => undefined),
    );
    // A tracked operation whose results say why, in words that carry the secrets.
    const operation = new BulkOperation<MessageResult, unknown>(async (emit) => {
      for (const [i, outcome] of (['sent', 'failed', 'skipped'] as const).entries())
        emit({
          recipient: SECRETS.phone,
          success: outcome === 'sent',
          outcome,
          sessionUsed: `s${i}`,
          error: `${SECRETS.apiHash} ${SECRETS.sessionString}`,
          attempts: 1,
          timestamp: clock.now(),
        });
      return {};
    });
    dashboard.track(operation, { name: 'spring-sale', total: 3 });
    await operation;
    await clock.advance(60_000);
    await Promise.all(tasks);

    const auth = { Authorization: `Bearer ${TOKEN}` };
    const bodies: string[] = [];
    for (const path of [
      '',
      'state',
      'metrics',
      'assets/dashboard.js',
      'assets/dashboard.css',
      'assets/uPlot.iife.min.js',
      'assets/uPlot.min.css',
    ]) {
      const answer = await get(`${dashboard.url}${path}`, { headers: auth });
      expect(answer.status, path).toBe(200);
      bodies.push(answer.body);
    }
    const stream = await readEvents(
      `${dashboard.url}events`,
      (events) => events.some((e) => e.event === 'delta'),
      auth,
    );
    bodies.push(stream.raw);
    const state = JSON.parse(bodies[1] as string);
    // The numbers are there…
    expect(state.total).toMatchObject({ sent: 1, failed: 1, skipped: 1, settled: 3, total: 3 });
    expect(state.sessions.map((s: { name: string }) => s.name)).toEqual(['s0', 's1', 's2']);
    expect(bodies[2]).toMatch(/switchyard_tasks_total\{kind="sending",outcome="succeeded"\} 3/);
    // …and the secrets are not, not even in part.
    const everything = bodies.join('\n');
    for (const secret of [
      SECRETS.sessionString,
      SECRETS.sessionString.slice(10, 40),
      SECRETS.apiHash,
      SECRETS.phone,
      SECRETS.phone.slice(1),
    ])
      expect(everything).not.toContain(secret);
    // The manager itself holds them (its clients do): the test would catch a serialised manager.
    expect(JSON.stringify(manager.pool.snapshot().workers.map((w) => w.id))).toBeDefined();
    await dashboard.close();
    await manager.shutdown();
  });
});
