import { Agent, request } from 'node:http';
import { createPool, seededRandom, systemClock } from '@switchyard/core';
import { createStrategy } from '@switchyard/strategies';
import { percentile } from '@switchyard/strategies/simulator';
import { PHASES, type Upstream, type Upstreams } from './upstreams.js';

export interface LoadTestOptions {
  readonly strategy: string;
  readonly requests: number;
  /** Concurrent callers, each sending its next request when the last one answers. */
  readonly clients: number;
  /** Requests one upstream takes at once. */
  readonly capacity: number;
  readonly seed: number;
}

export interface LoadTestResult {
  readonly strategy: string;
  readonly requests: number;
  readonly errors: number;
  /** Caller-side latency (queue wait included), ms. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** Requests each upstream answered. */
  readonly perUpstream: Readonly<Record<string, number>>;
  readonly wallMs: number;
}

interface Resource extends Upstream {
  readonly agent: Agent;
}

function get(resource: Resource, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(resource.url, { agent: resource.agent, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `requests` GET requests from `clients` closed-loop callers through a pool whose workers are
 * the upstreams. The upstreams' phase moves forward as the run passes each third, so the slow
 * upstream changes mid-run. Bounded: it stops after exactly `requests` requests.
 */
export async function runLoadTest(upstreams: Upstreams, options: LoadTestOptions): Promise<LoadTestResult> {
  const strategy = createStrategy(options.strategy, {
    random: seededRandom(options.seed),
    clock: systemClock,
  });
  const pool = createPool<Resource>({
    strategy,
    random: seededRandom(options.seed + 1),
    retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 50 },
  });
  const agents: Agent[] = [];
  for (const u of upstreams.servers) {
    const agent = new Agent({ keepAlive: true, maxSockets: options.capacity });
    agents.push(agent);
    pool.addWorker({ id: u.name, resource: { ...u, agent }, capacity: options.capacity });
  }
  for (const name of upstreams.served.keys()) upstreams.served.set(name, 0);
  upstreams.phase = 0;
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const client = async () => {
    while (issued < options.requests) {
      issued++;
      const t0 = performance.now();
      try {
        await pool.submit({ run: ({ resource, signal }) => get(resource, signal) });
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
      upstreams.phase = Math.min(
        PHASES - 1,
        Math.floor(((latencies.length + errors) / options.requests) * PHASES),
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.clients, options.requests) }, client));
  } finally {
    await pool.close();
    for (const a of agents) a.destroy();
  }
  latencies.sort((a, b) => a - b);
  return {
    strategy: options.strategy,
    requests: latencies.length + errors,
    errors,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    p999: percentile(latencies, 0.999),
    perUpstream: Object.fromEntries(upstreams.served),
    wallMs: performance.now() - started,
  };
}
