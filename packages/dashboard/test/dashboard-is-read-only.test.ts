import { describe, expect, it } from 'vitest';
import { served } from './fleet.js';
import { get } from './http.js';

const TOKEN = 'a-long-enough-token-0123456789';

describe('the dashboard is read-only', () => {
  const ctx = served(2, { token: TOKEN });
  const { manager } = ctx;

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    'answers 405 to %s on every route, and the pool is as it was',
    async (method) => {
      const before = JSON.stringify(manager.snapshot());
      for (const path of ['', 'state', 'events', 'metrics', 'assets/dashboard.js', 'anything']) {
        const answer = await get(`${ctx.dashboard.url}${path}`, {
          method,
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        });
        expect(answer.status, `${method} /${path}`).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
      expect(JSON.stringify(manager.snapshot())).toBe(before);
    },
  );

  it('answers HEAD with the headers and no body', async () => {
    const answer = await get(`${ctx.dashboard.url}state`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
  });

  it('sends its security headers: a self-only CSP, no caching, no framing, no sniffing', async () => {
    const answer = await get(ctx.dashboard.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(answer.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(answer.headers['content-security-policy']).not.toMatch(/unsafe|https?:/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('has no form, no button and no request but GET on the page', async () => {
    const page = await get(ctx.dashboard.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const script = await get(`${ctx.dashboard.url}assets/dashboard.js`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(page.body).not.toMatch(/<form|<button|<input/i);
    expect(script.body).not.toMatch(/fetch\(|XMLHttpRequest|method:|sendBeacon|innerHTML/);
  });
});
