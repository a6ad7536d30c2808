import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Random } from '@switchyard/core';

/** How one upstream answers. Latencies in ms, multiplied by the run's `scale`. */
export interface UpstreamProfile {
  readonly name: string;
  readonly baseMs: number;
  /** Uniform extra in [0, jitterMs). */
  readonly jitterMs: number;
  /** Chance of a long stall (a GC pause, a cold cache). */
  readonly stallRate: number;
  readonly stallMs: number;
  /** During these phases (see `Upstreams.phase`) the upstream is degraded and answers in `slowMs`. */
  readonly slowPhases: readonly number[];
  readonly slowMs: number;
}

/**
 * Five upstreams of one service. Two are fast, one is steady but slower, one stalls now and
 * then, and the latency problem moves around: "degrading" is slow in phase 1, "fast-b" in
 * phase 2. A strategy that learns from latency should follow it.
 */
export const DEFAULT_UPSTREAMS: readonly UpstreamProfile[] = [
  { name: 'fast-a', baseMs: 3, jitterMs: 3, stallRate: 0, stallMs: 0, slowPhases: [], slowMs: 0 },
  { name: 'fast-b', baseMs: 3, jitterMs: 3, stallRate: 0, stallMs: 0, slowPhases: [2], slowMs: 60 },
  { name: 'steady', baseMs: 9, jitterMs: 4, stallRate: 0, stallMs: 0, slowPhases: [], slowMs: 0 },
  { name: 'stalls', baseMs: 4, jitterMs: 4, stallRate: 0.02, stallMs: 150, slowPhases: [], slowMs: 0 },
  { name: 'degrading', baseMs: 4, jitterMs: 3, stallRate: 0, stallMs: 0, slowPhases: [1], slowMs: 80 },
];

export const PHASES = 3;

export interface Upstream {
  readonly name: string;
  readonly url: string;
}

export interface Upstreams {
  readonly servers: readonly Upstream[];
  /** 0 … PHASES-1; the load test moves it forward as the run progresses. */
  phase: number;
  /** Requests each upstream answered. */
  readonly served: Map<string, number>;
  close(): Promise<void>;
}

/** Start one node:http server per profile on 127.0.0.1 (a free port each). */
export async function startUpstreams(
  profiles: readonly UpstreamProfile[],
  options: { random: Random; scale?: number },
): Promise<Upstreams> {
  const scale = options.scale ?? 1;
  const servers: Server[] = [];
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const served = new Map<string, number>();
  const state = { phase: 0 };
  const upstreams: Upstream[] = [];
  try {
    for (const p of profiles) {
      served.set(p.name, 0);
      const server = createServer((req, res) => {
        req.resume();
        const slow = p.slowPhases.includes(state.phase);
        const ms =
          (slow ? p.slowMs : p.baseMs) +
          options.random() * p.jitterMs +
          (options.random() < p.stallRate ? p.stallMs : 0);
        const timer = setTimeout(() => {
          pending.delete(timer);
          served.set(p.name, (served.get(p.name) ?? 0) + 1);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ upstream: p.name, ms }));
        }, ms * scale);
        pending.add(timer);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const { port } = server.address() as AddressInfo;
      upstreams.push({ name: p.name, url: `http://127.0.0.1:${port}/` });
    }
  } catch (error) {
    for (const s of servers) s.close();
    throw error;
  }
  return {
    servers: upstreams,
    get phase() {
      return state.phase;
    },
    set phase(value: number) {
      state.phase = value;
    },
    served,
    async close() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
