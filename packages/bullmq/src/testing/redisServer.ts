import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServerOptions {
  /** The `redis-server` program. Default: the one on `PATH` (Debian's package puts it in /usr/bin). */
  readonly binary?: string;
  /** More `redis-server` arguments, e.g. `['--appendfsync', 'always']`. */
  readonly args?: readonly string[];
  /** How long to wait for the first `PONG`. Default 10 s. */
  readonly startTimeoutMs?: number;
}

/** A `redis-server` this process started on 127.0.0.1, its data in a temporary folder. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Its data folder (the append-only file lives here). */
  readonly dir: string;
  /** The running server's process id, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Shut it down cleanly (SIGTERM: the append-only file is flushed) and wait for it to exit. */
  stop(): Promise<void>;
  /** Kill it at once (SIGKILL), as a crash would, and wait for it to exit. */
  kill(): Promise<void>;
  /** Start it again on the same port and folder: it loads what its append-only file kept. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** Stop it and delete its folder. */
  dispose(): Promise<void>;
}

/** Servers still running, killed if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookSet = false;
function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookSet) return;
  exitHookSet = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

function findBinary(given: string | undefined): string {
  if (given !== undefined) return given;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'redis-server');
    if (dir !== '' && existsSync(path)) return path;
  }
  throw new Error(
    'redis-server is not installed: run scripts/ensure-redis.sh (as root it installs Debian’s redis-server package)',
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Whether a Redis answers PING on the port. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let text = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\r\n')) done(text.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class RedisProcess implements RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly #binary: string;
  readonly #args: readonly string[];
  readonly #startTimeoutMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(port: number, dir: string, binary: string, options: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.url = `redis://127.0.0.1:${port}`;
    this.#binary = binary;
    this.#args = options.args ?? [];
    this.#startTimeoutMs = options.startTimeoutMs ?? 10_000;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const log = join(this.dir, 'redis.log');
    const child = spawn(
      this.#binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--logfile',
        log,
        '--daemonize',
        'no',
        // Durability from the append-only file, as a journal needs; no RDB snapshots.
        '--appendonly',
        'yes',
        '--save',
        '',
        // BullMQ requires that Redis never evicts its keys.
        '--maxmemory-policy',
        'noeviction',
        ...this.#args,
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    killOnExit(child);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const deadline = Date.now() + this.#startTimeoutMs;
    for (;;) {
      const failed = await Promise.race([spawnError, sleep(50).then(() => undefined)]);
      if (failed !== undefined) throw new Error(`redis-server could not be started: ${failed.message}`);
      if (exit !== undefined) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
        throw new Error(
          `redis-server on port ${this.port} exited at start (${exit.signal ?? `code ${exit.code}`}):\n${tail}`,
        );
      }
      if (await answersPing(this.port)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(
          `redis-server on port ${this.port} did not answer PING within ${this.#startTimeoutMs} ms`,
        );
      }
    }
  }

  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    child.kill(signal);
    // A clean shutdown writes the append-only file; past 10 s it is killed all the same.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/**
 * Start a `redis-server` on 127.0.0.1 on a free port, in a new temporary folder, with the
 * append-only file on (`appendonly yes`, fsync every second) and `maxmemory-policy noeviction`;
 * resolves once it answers PING. Stop it with `dispose()`; one still running when this process
 * exits is killed.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findBinary(options.binary);
  // Another program may take the free port between the check and the start: try a few.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
    const server = new RedisProcess(await freePort(), dir, binary, options);
    try {
      await server.start();
      return server;
    } catch (error) {
      await server.dispose();
      if (attempt >= 3 || !/Address already in use/i.test((error as Error).message)) throw error;
    }
  }
}
