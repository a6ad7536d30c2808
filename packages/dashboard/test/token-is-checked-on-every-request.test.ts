import { describe, expect, it } from 'vitest';
import { served } from './fleet.js';
import { get, readEvents } from './http.js';

const TOKEN = 'a-long-enough-token-0123456789';
const ROUTES = [
  '/',
  '/assets/dashboard.js',
  '/assets/dashboard.css',
  '/assets/uPlot.iife.min.js',
  '/assets/uPlot.min.css',
  '/state',
  '/metrics',
  '/events',
  '/no-such-page',
];

describe('a dashboard with a token', () => {
  const ctx = served(2, { token: TOKEN });
  const url = (path: string, query = '') => `${ctx.dashboard.url}${path.slice(1)}${query}`;
  const status = async (path: string, headers: Record<string, string> = {}, query = '') =>
    path === '/events'
      ? (await readEvents(url(path, query), (e) => e.length > 0, headers)).status
      : (await get(url(path, query), { headers })).status;

  it.each(ROUTES)('answers 401 on %s without the token, or with a wrong one', async (path) => {
    expect(await status(path)).toBe(401);
    expect(await status(path, { Authorization: 'Bearer a-long-enough-token-012345678X' })).toBe(401);
    expect(await status(path, {}, '?token=a-long-enough-token-012345678X')).toBe(401);
    expect(await status(path, { Authorization: `Basic ${TOKEN}` })).toBe(401);
  });

  it.each(ROUTES)('answers %s with the token, as a bearer header or in the query', async (path) => {
    const expected = path === '/no-such-page' ? 404 : 200;
    expect(await status(path, { Authorization: `Bearer ${TOKEN}` })).toBe(expected);
    expect(await status(path, {}, `?token=${TOKEN}`)).toBe(expected);
  });

  it('says how to give the token', async () => {
    const answer = await get(url('/state'));
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(answer.body).not.toContain('"sessions"');
  });

  it('puts the token on the page only in the links to its own assets', async () => {
    const page = await get(url('/', `?token=${TOKEN}`));
    expect(page.body).toContain(`/assets/dashboard.js?token=${TOKEN}`);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('a dashboard without a token', () => {
  const ctx = served(1);

  it('answers requests addressed to a loopback name', async () => {
    for (const host of ['127.0.0.1', 'localhost'])
      expect(
        (await get(`${ctx.dashboard.url}state`, { headers: { Host: `${host}:${ctx.dashboard.port}` } }))
          .status,
      ).toBe(200);
  });

  it('refuses a request addressed to another name (a DNS-rebinding page)', async () => {
    const answer = await get(`${ctx.dashboard.url}state`, {
      headers: { Host: `evil.example:${ctx.dashboard.port}` },
    });
    expect(answer.status).toBe(401);
  });
});
