import { request } from 'node:http';
import { seededRandom } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadTest } from '../src/http/loadTest.js';
import { formatHttpResults, HTTP_STRATEGIES, main } from '../src/http/main.js';
import { DEFAULT_UPSTREAMS, startUpstreams, type Upstreams } from '../src/http/upstreams.js';

function ping(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pnpm example:http', () => {
  let upstreams: Upstreams;

  beforeAll(async () => {
    // Latencies a tenth of the example's, so the test stays quick; loopback only.
    upstreams = await startUpstreams(DEFAULT_UPSTREAMS, { random: seededRandom(3), scale: 0.1 });
  });

  afterAll(async () => {
    await upstreams.close();
  });

  it('starts one server per upstream on 127.0.0.1', async () => {
    expect(upstreams.servers).toHaveLength(DEFAULT_UPSTREAMS.length);
    for (const s of upstreams.servers) {
      expect(new URL(s.url).hostname).toBe('127.0.0.1');
      expect(await ping(s.url)).toBe(200);
    }
  });

  it('runs exactly the requested number of requests per strategy and reports ordered percentiles', async () => {
    const results = [];
    for (const strategy of HTTP_STRATEGIES) {
      const r = await runLoadTest(upstreams, { strategy, requests: 400, clients: 16, capacity: 8, seed: 5 });
      expect(r.requests).toBe(400);
      expect(r.errors).toBe(0);
      expect(Object.values(r.perUpstream).reduce((a, b) => a + b, 0)).toBe(400);
      expect(r.p50).toBeGreaterThan(0);
      expect(r.p50).toBeLessThanOrEqual(r.p99);
      expect(r.p99).toBeLessThanOrEqual(r.p999);
      results.push(r);
    }
    const text = formatHttpResults(results);
    for (const s of HTTP_STRATEGIES) expect(text).toMatch(new RegExp(`^${s}\\s+[\\d.]+ ms`, 'm'));
    expect(text).toContain('p99.9');
  });

  it('stops its servers when closed', async () => {
    const own = await startUpstreams(DEFAULT_UPSTREAMS.slice(0, 2), { random: seededRandom(1), scale: 0 });
    const url = own.servers[0]!.url;
    expect(await ping(url)).toBe(200);
    await own.close();
    await expect(ping(url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a bad option with exit code 2', async () => {
    let stderr = '';
    const code = await main(['--requests', '0'], {
      stdout: { write: () => true },
      stderr: { write: (s) => (stderr += s) },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--requests must be an integer from 1/);
  });
});
