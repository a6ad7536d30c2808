// Running the built `switchyard` bin in a child process, as an operator would, against the
// scripted fleet of fixtures/switchyard.config.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/switchyard.config.ts', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<Exit>;
}

const running = new Set<ChildProcess>();

/** Start `switchyard …args` in `cwd` with `env` added to a clean environment. */
export function startCli(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    // Only what the run needs: no TELEGRAM_* of the machine running the tests leaks in.
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export const runCli = (args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  startCli(args, options).exited;

/** Wait until `check()` holds, checking every 20 ms; throws naming `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kill whatever is still running (for afterAll). */
export function killRunning(): void {
  for (const c of running) c.kill('SIGKILL');
}

/** A scratch folder for one test: the fixture keeps its journal and Telegram's delivery file there. */
export function scratch(): { dir: string; env: NodeJS.ProcessEnv; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  return { dir, env: { FIXTURE_DIR: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `send` of `message` to the recipients of list.txt as campaign `campaign`, on the fixture's fleet. */
export const sendArgs = (campaign: string, message = 'Hi'): string[] => [
  'send',
  '--config',
  FIXTURE_CONFIG,
  '--recipients',
  'list.txt',
  '--message',
  message,
  '--campaign',
  campaign,
];

/** The usernames user_0001 … user_<n>, as the fixture's Telegram has them. */
export const usernames = (n: number, from = 1): string[] =>
  Array.from({ length: n }, (_, i) => `user_${String(from + i).padStart(4, '0')}`);

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** What the fixture's Telegram delivered, across every run in `dir`. */
export function deliveries(dir: string): { session: string; peer: string; text: string }[] {
  let text = '';
  try {
    text = readFileSync(join(dir, 'telegram.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { session: string; peer: string; text: string });
}

/** The lines of `text` parsed as JSON; throws on a line that is not JSON. */
export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
