import { type Logger, pino } from 'pino';
import type { Secrets } from './fleet.js';
import type { Output } from './output/progressView.js';

/** What a command reads and writes: the process's, or a test's. */
export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: Output;
  readonly stderr: Output;
}

/** Logs (pino, JSON lines) to stderr at `level`, with every known secret taken out. */
export function stderrLogger(io: Io, level: string, secrets: Secrets): Logger {
  return pino(
    {
      level,
      base: null,
      redact: { paths: ['apiHash', '*.apiHash', 'sessionString', '*.sessionString'], censor: '[redacted]' },
    },
    { write: (line: string) => io.stderr.write(secrets.scrub(line)) },
  );
}

/** One JSON line on stdout (for `--json`). */
export function jsonLine(io: Io, value: Record<string, unknown>): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** ISO time of a clock time in ms. */
export const iso = (ms: number): string => new Date(ms).toISOString();
