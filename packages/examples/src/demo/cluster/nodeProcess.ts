import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NodeArgs } from './clusterSettings.js';
import type { NodeMessage } from './node.js';

const NODE_SCRIPT = fileURLToPath(new URL('./node.js', import.meta.url));

/** How a node process ended. */
export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of what it wrote to stderr. */
  readonly stderr: string;
}

/** One run of a node process of the demo: its messages as they come, its exit. */
export class NodeProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<NodeExit>;
  #stderr = '';
  #waits: { t: NodeMessage['t']; resolve: () => void }[] = [];
  readonly #seen = new Set<NodeMessage['t']>();

  constructor(args: NodeArgs, onMessage: (message: NodeMessage) => void) {
    this.#child = spawn(process.execPath, [NODE_SCRIPT, JSON.stringify(args)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const message = JSON.parse(line) as NodeMessage;
      this.#seen.add(message.t);
      const waiting = this.#waits;
      this.#waits = waiting.filter((w) => w.t !== message.t);
      for (const w of waiting) if (w.t === message.t) w.resolve();
      onMessage(message);
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) =>
      this.#child.once('close', (code, signal) => resolve({ code, signal, stderr: this.#stderr.trim() })),
    );
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves once the node has said `t`; rejects if it exits first. */
  said(t: NodeMessage['t']): Promise<void> {
    if (this.#seen.has(t)) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.#waits.push({ t, resolve })),
      this.exited.then((e) => {
        throw new Error(
          `a node exited (${e.code ?? e.signal}) before it was ${t}: ${e.stderr || 'no error printed'}`,
        );
      }),
    ]);
  }

  /** Start the campaign clock of a node that waits for it. */
  startClock(epoch: number): void {
    this.#child.stdin!.end(`${epoch}\n`);
  }

  kill(): void {
    if (this.running) this.#child.kill('SIGKILL');
  }

  /** Ask it to shut down (SIGTERM) and wait; SIGKILL it if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<NodeExit> {
    if (this.running) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
