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

/** A running child process: its output so far, a wait for a line of it, its exit. */
export interface Child {
  readonly stdout: () => string;
  /** Resolves once the child has printed `line` (rejects if it exits first). */
  readonly printed: (line: string) => Promise<void>;
  readonly exited: Promise<Exit>;
  /** SIGKILL it if it is still running; whether it was. */
  readonly kill: () => boolean;
  /** SIGTERM it (a child that handles it shuts down) and wait for its exit. */
  readonly stop: () => Promise<Exit>;
}

export function startChild(script: string, args: readonly string[]): Child {
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
  return {
    stdout: () => stdout,
    printed: (line) =>
      stdout.split('\n').includes(line)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waits.push({ line, resolve })),
            exited.then((e) => {
              throw new Error(
                `the child exited (${e.code ?? e.signal}) before printing ${line}: ${e.stderr}`,
              );
            }),
          ]),
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
