// How big each section of `pnpm bench` is: the full run, and `--quick`, the same sections and
// tables at sizes small enough to finish in well under a minute on two cores.

export interface BenchPlan {
  /** Printed in the heading and before the goals, so a quick run's numbers are not quoted as full ones. */
  readonly label: 'full' | 'quick';
  /** workers × queued, and how many runs of each library. */
  readonly throughput: readonly {
    readonly workers: number;
    readonly queued: number;
    readonly runs: number;
  }[];
  /** Tasks of 1 ms on workers, best of runs. */
  readonly wallTime: { readonly workers: number; readonly tasks: number; readonly runs: number };
  /** Queue depths whose heap per queued task is measured. */
  readonly heapDepths: readonly number[];
  /** Idle workers added to measure the heap per worker. */
  readonly idleWorkers: number;
  /** Items whose journal state changes are timed. */
  readonly journalItems: number;
  /** Items of the batch run plain and as a durable batch. */
  readonly durableItems: number;
  /** Recipients of the streamed Telegram campaign. */
  readonly campaignRecipients: number;
  /** Candidates per strategy pick measured. */
  readonly strategyCandidates: readonly number[];
  /** Time boxes of a strategy's warm-up and its measured picks, ms. */
  readonly strategyTimeBoxMs: { readonly warmUp: number; readonly measured: number };
}

/**
 * Fewer runs where one run takes seconds, so that the whole `pnpm bench` stays within about
 * five minutes on two cores.
 */
export const FULL_PLAN: BenchPlan = {
  label: 'full',
  throughput: [
    { workers: 10, queued: 1_000, runs: 20 },
    { workers: 10, queued: 100_000, runs: 4 },
    { workers: 10, queued: 1_000_000, runs: 2 },
    { workers: 1_000, queued: 1_000, runs: 20 },
    { workers: 1_000, queued: 100_000, runs: 4 },
    { workers: 1_000, queued: 1_000_000, runs: 2 },
  ],
  wallTime: { workers: 1_000, tasks: 100_000, runs: 3 },
  heapDepths: [100_000, 1_000_000],
  idleWorkers: 10_000,
  journalItems: 5_000,
  durableItems: 20_000,
  campaignRecipients: 10_000,
  strategyCandidates: [10, 1_000, 10_000],
  strategyTimeBoxMs: { warmUp: 150, measured: 400 },
};

/**
 * Every section with fewer runs and at a tenth of its sizes or less (the 1,000 × 1,000 and
 * 100,000-queued throughput rows stay, as goals are set on them): a check that everything works
 * and a rough picture, not numbers to quote. About 30 s on two cores.
 */
export const QUICK_PLAN: BenchPlan = {
  label: 'quick',
  throughput: [
    { workers: 10, queued: 1_000, runs: 3 },
    { workers: 10, queued: 100_000, runs: 1 },
    { workers: 1_000, queued: 1_000, runs: 3 },
    { workers: 1_000, queued: 100_000, runs: 1 },
  ],
  wallTime: { workers: 1_000, tasks: 10_000, runs: 1 },
  heapDepths: [100_000],
  idleWorkers: 2_000,
  journalItems: 500,
  durableItems: 2_000,
  campaignRecipients: 1_000,
  strategyCandidates: [10, 1_000, 10_000],
  strategyTimeBoxMs: { warmUp: 20, measured: 50 },
};
