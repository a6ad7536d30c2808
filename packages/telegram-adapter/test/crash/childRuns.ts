// What the tests that SIGKILL child processes share: starting a built child, killing it, and
// checking the persisted Telegram files for a message sent twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readPersistedDeliveries } from '../scriptedTelegram.js';

/** A child script of test/crash, as built into .tsbuild-test/crash by buildCrashChild. */
export const builtChild = (name: string): string =>
  fileURLToPath(new URL(`../../.tsbuild-test/crash/test/crash/${name}.js`, import.meta.url));

const running = new Set<ChildProcess>();

/** SIGKILL every child still running (for afterAll). */
export function killRunningChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `promise`, or a rejection that names what was awaited once `ms` have passed: a wait of a test
 * fails saying which one it was, rather than leaving the test to its own time limit. `detail`
 * (read when the time is up) says more.
 */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  detail: () => string | Promise<string> = () => '',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void Promise.resolve()
        .then(detail)
        .catch((error: unknown) => `(${String(error)})`)
        .then((more) => reject(new Error(`${what}: not within ${ms} ms${more === '' ? '' : `; ${more}`}`)));
    }, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A running child process: its output so far, a wait for a line of it, its exit. */
export interface Child {
  readonly stdout: () => string;
  /**
   * Resolves once the child has printed `line`; rejects if it exits first, or when `timeoutMs`
   * (if given) have passed, with its output so far.
   */
  readonly printed: (line: string, timeoutMs?: number) => Promise<void>;
  readonly exited: Promise<Exit>;
  /** SIGKILL it if it is still running; whether it was. */
  readonly kill: () => boolean;
  /** SIGTERM it (a child that handles it shuts down) and wait for its exit. */
  readonly stop: () => Promise<Exit>;
}

/** Start a built child script; `name` is how a failed wait calls it (default: the script's). */
export function startChild(script: string, args: readonly string[], name = script): Child {
  const child = spawn(process.execPath, [builtChild(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const waits: { line: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waits.splice(0)) {
      if (stdout.split('\n').includes(w.line)) w.resolve();
      else waits.push(w);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const printed = (line: string): Promise<void> =>
    stdout.split('\n').includes(line)
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waits.push({ line, resolve })),
          exited.then((e) => {
            throw new Error(`${name} exited (${e.code ?? e.signal}) before printing ${line}: ${e.stderr}`);
          }),
        ]);
  return {
    stdout: () => stdout,
    printed: (line, timeoutMs) =>
      timeoutMs === undefined
        ? printed(line)
        : within(
            printed(line),
            timeoutMs,
            `${name} printing ${line}`,
            () =>
              `stdout: ${JSON.stringify(stdout.slice(-500))}, stderr: ${JSON.stringify(stderr.slice(-500))}`,
          ),
    exited,
    kill: () => alive() && child.kill('SIGKILL'),
    stop: () => {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * What the scripted Telegram delivered, over every file given: no peer got two messages, no
 * account saw one randomId twice, every message had `text`. The peers delivered to.
 */
export function checkNoDuplicates(files: readonly string[], text: string): Set<string> {
  const peers = new Set<string>();
  const ids = new Set<string>();
  for (const d of files.flatMap((f) => readPersistedDeliveries(f))) {
    expect(peers.has(d.peer), `${d.peer} got a second message`).toBe(false);
    expect(ids.has(`${d.session}/${d.randomId}`), `${d.session} sent randomId ${d.randomId} twice`).toBe(
      false,
    );
    expect(d.text).toBe(text);
    peers.add(d.peer);
    ids.add(`${d.session}/${d.randomId}`);
  }
  return peers;
}
