/**
 * What `switchyard` exits with. Scripts branch on these, so they never change meaning; the
 * README and every command's `--help` list them.
 */
export const EXIT = {
  /** Everything settled and nothing failed (skipped recipients, invalid or duplicate, do not count). */
  ok: 0,
  /** The work ran to its end, but some items failed or have an unknown outcome. */
  someFailed: 1,
  /** Bad usage or configuration: an unknown option, a bad config, a missing file. Nothing was sent. */
  usage: 2,
  /** The work could not run: no session could connect, the journal is held by another process… */
  runtime: 3,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM; a campaign can be resumed. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes as `--help` and the README show them. */
export const EXIT_CODES_HELP = `Exit codes:
  0    everything settled, nothing failed (skipped recipients do not count)
  1    finished, but some items failed or have an unknown outcome
  2    usage or configuration error: nothing was sent
  3    runtime error (no session could connect, the journal is held by another process, …)
  130  interrupted by Ctrl-C or SIGTERM: the campaign is resumable`;

/** A mistake in how the command was called or configured: exit 2, nothing sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
}

/** The work could not run: exit 3. */
export class RuntimeFailure extends Error {
  override readonly name = 'RuntimeFailure';
  readonly exitCode = EXIT.runtime;
}
