import { resolve } from 'node:path';
import { type Clock, chainLongWaits } from '@switchyard/core';
import type { StrategyName } from '@switchyard/strategies';
import type { Audience, SessionProfile } from '../../simTelegram/index.js';
import { demoFleet } from '../fleet.js';

/** What every node process of the cluster demo is started with (as JSON, its one argument). */
export interface ClusterDemoSettings {
  readonly redis: string;
  /** Key prefix of the demo's cluster in Redis. */
  readonly prefix: string;
  readonly campaign: string;
  readonly nodes: number;
  readonly sessionsPerNode: number;
  readonly recipients: number;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly delayMs: number;
  readonly capacity: number;
  /** The node's `fleetSendsPerSecond`. */
  readonly fleetCap: number;
  /** Campaign ms per real ms. */
  readonly speed: number;
  /** BullMQ's lock of a node's jobs, real ms: a killed node's items come back one to two of these later. */
  readonly lockMs: number;
  /** Absolute directory of the demo's files. */
  readonly out: string;
}

/** One node process: which node it is, and when the campaign clock started (absent: read from stdin). */
export interface NodeArgs extends ClusterDemoSettings {
  readonly index: number;
  readonly epoch?: number;
}

/** Node ids: `node-a`, `node-b`, … */
export const nodeName = (index: number): string => `node-${String.fromCharCode(97 + index)}`;

/** The demo's files in `out`, per node where each node writes its own. */
export const clusterFiles = (out: string) => ({
  report: resolve(out, 'report.html'),
  results: resolve(out, 'results.csv'),
  deliveryLog: (node: string) => resolve(out, `telegram-deliveries-${node}.jsonl`),
  log: (node: string) => resolve(out, `${node}.log`),
});

/**
 * The audience and every session of the cluster, the same in every process: node `i` runs
 * sessions `i * sessionsPerNode` to `(i + 1) * sessionsPerNode - 1`.
 */
export function clusterFleet(s: ClusterDemoSettings): {
  audience: Audience;
  profiles: SessionProfile[];
  sessionsOf: (index: number) => SessionProfile[];
} {
  const { audience, profiles } = demoFleet({ ...s, sessions: s.nodes * s.sessionsPerNode });
  return {
    audience,
    profiles,
    sessionsOf: (index) => profiles.slice(index * s.sessionsPerNode, (index + 1) * s.sessionsPerNode),
  };
}

/**
 * A real-time clock that runs `speed` times faster, from 0 at `epoch` (a `Date.now()`): every
 * process given the same epoch and speed reads the same campaign time. A timer never fires
 * before its campaign time is due.
 */
export function scaledClock(epoch: number, speed: number): Clock {
  const now = () => (Date.now() - epoch) * speed;
  return chainLongWaits({
    now,
    setTimeout(callback, ms) {
      const due = now() + ms;
      const timer: { handle?: ReturnType<typeof setTimeout> } = {};
      const arm = () => {
        const left = due - now();
        if (left <= 0) callback();
        else timer.handle = setTimeout(arm, Math.max(1, Math.ceil(left / speed)));
      };
      timer.handle = setTimeout(arm, Math.max(0, Math.ceil(ms / speed)));
      return timer;
    },
    clearTimeout: (timer) => clearTimeout((timer as { handle?: ReturnType<typeof setTimeout> }).handle),
  });
}
