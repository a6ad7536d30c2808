// Running a built demo (the project's global setup builds `dist`) as its pnpm script runs it,
// and reading the counts it prints.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a run of a built demo ended, with everything it printed. */
export interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run `dist/<script>` (for example `demo/main.js`) with `args` in a process of its own;
 * `onStdout` sees what it has printed so far, as it prints.
 */
export function runBuiltDemo(
  script: string,
  args: readonly string[],
  onStdout: (printed: string) => void = () => {},
): Promise<DemoRun> {
  const path = fileURLToPath(new URL(`../dist/${script}`, import.meta.url));
  const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    onStdout(stdout);
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** A count from a printed table row `<label>   <count>`. */
export function printedCount(printed: string, label: string): number {
  const row = new RegExp(`^${label.replace(/[()]/g, '\\$&')}\\s+(\\d+)$`, 'm').exec(printed);
  if (row === null) throw new Error(`no row "${label}" in:\n${printed}`);
  return Number(row[1]);
}
