import type { LoadEvent, LoadEventType } from '@switchyard/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { positive, type ResolvedCommon } from './options.js';
import { WorkerStatsTable } from './workerStats.js';

/** Options of the strategies that learn from outcomes. */
export interface OutcomeCostOptions {
  /** Decay time τ of the latency EWMAs, in ms. Default 10 000 (Finagle's and Linkerd's default). */
  decayMs?: number;
  /** Latency charged for a transient, fatal or unknown-outcome failure. Default 1 000 ms. */
  failurePenaltyMs?: number;
  /** Latency charged for a rate limit (or its retryAfterMs if larger). Default 10 000 ms. */
  rateLimitPenaltyMs?: number;
}

export function statsTable(
  strategy: string,
  options: OutcomeCostOptions,
  common: ResolvedCommon,
): WorkerStatsTable {
  const tauMs = options.decayMs ?? 10_000;
  const failurePenaltyMs = options.failurePenaltyMs ?? 1_000;
  const rateLimitPenaltyMs = options.rateLimitPenaltyMs ?? 10_000;
  positive(strategy, 'decayMs', tauMs);
  positive(strategy, 'failurePenaltyMs', failurePenaltyMs);
  positive(strategy, 'rateLimitPenaltyMs', rateLimitPenaltyMs);
  return new WorkerStatsTable({ clock: common.clock, tauMs, failurePenaltyMs, rateLimitPenaltyMs });
}

/** The event types a `WorkerStatsTable` learns from; strategies built on one declare these. */
export const STATS_EVENTS: readonly LoadEventType[] = [
  'worker-added',
  'worker-updated',
  'worker-removed',
  'worker-state',
  'task-succeeded',
  'task-failed',
];

export function observeInto(table: WorkerStatsTable, events$: Observable<LoadEvent>): Unsubscribable {
  return events$.subscribe((e) => table.handle(e));
}
