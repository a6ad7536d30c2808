import { describe, expect, it } from 'vitest';
import { startDashboard } from '../src/index.js';
import { fleet } from './fleet.js';
import { get } from './http.js';

describe('/metrics', () => {
  it("serves the pool's numbers in Prometheus' text format, from a registry of its own", async () => {
    const { manager, clock } = fleet(3);
    const dashboard = await startDashboard({ manager, port: 0, clock: () => clock.now() });
    const tasks = [1, 2, 3, 4].map((n) =>
      manager.pool.submit({
        kind: 'sending',
        run: async () => {
          if (n === 4) throw Object.assign(new Error('no'), { code: 'X' });
          return n;
        },
      }),
    );
    await Promise.allSettled(tasks);
    await clock.advance(60_000);
    await Promise.allSettled(tasks);
    const answer = await get(`${dashboard.url}metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.body).toMatch(/^switchyard_tasks_total\{kind="sending",outcome="succeeded"\} 3$/m);
    expect(answer.body).toMatch(/^switchyard_workers 3$/m);
    // Its own registry: prom-client's global one is left alone.
    const { register } = await import('prom-client');
    expect(await register.metrics()).not.toContain('switchyard_tasks_total');
    await dashboard.close();
    await manager.shutdown();
  });
});
