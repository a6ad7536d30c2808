// `--dashboard` on the built bin: the page and its numbers while a (slowed) campaign runs, the
// token off loopback, and the port given back when the command ends.
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import {
  deliveries,
  jsonLines,
  killRunning,
  type Running,
  runCli,
  scratch,
  sendArgs,
  startCli,
  until,
  usernames,
  writeFile,
} from './cliRuns.js';
import { expectNoSecrets } from './expectNoSecrets.js';

afterAll(killRunning);

/** Recipients of each run; with Telegram answering in 150 ms, a run sends for about a second. */
const PEOPLE = 48;
const LATENCY_MS = '150';
/** At least 16 characters, as the dashboard asks. */
const TOKEN = 'a-dashboard-token-for-tests-7f3c';

interface Snapshot {
  readonly sessions: readonly { readonly name: string; readonly sent: number }[];
  readonly campaigns: readonly { readonly name: string }[];
  readonly total: { readonly total: number | null; readonly settled: number; readonly sent: number };
}

/** A scratch folder with a list of `PEOPLE` recipients, removed when the (concurrent) test ends. */
function campaignFolder({ onTestFinished }: TestContext): ReturnType<typeof scratch> {
  const s = scratch();
  onTestFinished(s.remove);
  writeFile(s.dir, 'list.txt', `${usernames(PEOPLE).join('\n')}\n`);
  return s;
}

const sendJson = (campaign: string, ...extra: string[]) => [...sendArgs(campaign), '--json', ...extra];

/** The address the command prints on stderr (`Dashboard: http://HOST:PORT/`). */
async function printedUrl(run: Running): Promise<URL> {
  const line = () => /^Dashboard: (http:\/\/\S+)$/m.exec(run.stderr())?.[1];
  await until('the dashboard address on stderr', () => line() !== undefined || run.child.exitCode !== null);
  const url = line();
  if (url === undefined) throw new Error(`no dashboard address; stderr:\n${run.stderr()}`);
  return new URL(url);
}

async function get(url: URL, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, url), { headers });
  return { status: res.status, body: await res.text() };
}

/** Whether nothing listens on 127.0.0.1:`port` (a connection is refused). */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });

/** A port nobody listens on now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const SUCCEEDED = /^switchyard_tasks_total\{kind="sending",outcome="succeeded"\} (\d+)$/m;

const nonDecreasing = (xs: readonly number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);

describe.concurrent('--dashboard', () => {
  it('serves /state and /metrics of the run on the port it picked, counting up to the recipients, then frees the port', async (context) => {
    const s = campaignFolder(context);
    const run = startCli(sendJson('watched', '--dashboard', '127.0.0.1:0'), {
      cwd: s.dir,
      env: { ...s.env, FIXTURE_LATENCY_MS: LATENCY_MS },
    });
    const url = await printedUrl(run);
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    expect(port).toBeGreaterThan(0);

    const bodies = [(await get(url, '/')).body];
    const states: Snapshot[] = [];
    const succeeded: number[] = [];
    while (run.child.exitCode === null) {
      try {
        const [state, metrics] = await Promise.all([get(url, '/state'), get(url, '/metrics')]);
        expect(state.status).toBe(200);
        expect(metrics.status).toBe(200);
        bodies.push(state.body, metrics.body);
        const snapshot = JSON.parse(state.body) as Snapshot;
        if (snapshot.campaigns.length > 0) states.push(snapshot);
        succeeded.push(Number(SUCCEEDED.exec(metrics.body)?.[1] ?? 0));
      } catch (error) {
        // The command closes the dashboard as it ends: a request may meet the closing server.
        if (run.child.exitCode === null && !(error instanceof TypeError)) throw error;
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    const exit = await run.exited;
    expect(exit.code, exit.stderr + exit.stdout).toBe(0);
    expect(jsonLines(exit.stdout).at(-1)).toMatchObject({ type: 'summary', sent: PEOPLE });

    // The campaign as the page sees it: its name and size, and counts that only go up, seen part-way.
    expect(states.length).toBeGreaterThan(2);
    for (const state of states) {
      expect(state.campaigns.map((c) => c.name)).toEqual(['campaign watched']);
      expect(state.total.total).toBe(PEOPLE);
      expect(state.sessions.map((r) => r.name)).toEqual(['s1', 's2', 's3']);
    }
    const settled = states.map((st) => st.total.settled);
    expect(nonDecreasing(settled), settled.join()).toBe(true);
    expect(
      settled.some((n) => n > 0 && n < PEOPLE),
      settled.join(),
    ).toBe(true);
    expect(Math.max(...settled)).toBeLessThanOrEqual(PEOPLE);
    // Prometheus counts the same sends.
    expect(nonDecreasing(succeeded), succeeded.join()).toBe(true);
    expect(
      succeeded.some((n) => n > 0 && n < PEOPLE),
      succeeded.join(),
    ).toBe(true);

    // What each session was seen to send, Telegram delivered from it; and it delivered to everyone once.
    const got = deliveries(s.dir);
    expect(got).toHaveLength(PEOPLE);
    expect(new Set(got.map((d) => d.peer)).size).toBe(PEOPLE);
    for (const row of states.at(-1)!.sessions)
      expect(row.sent).toBeLessThanOrEqual(got.filter((d) => d.session === row.name).length);

    expectNoSecrets(bodies.join('\n') + exit.stdout + exit.stderr);
    expect(await refused(port)).toBe(true);
  });

  it.for([
    ['--dashboard-token', ['--dashboard', '127.0.0.1:0', '--dashboard-token', TOKEN], {}],
    ['SWITCHYARD_DASHBOARD_TOKEN', ['--dashboard', '0.0.0.0:0'], { SWITCHYARD_DASHBOARD_TOKEN: TOKEN }],
  ] as const)(
    'with a token (%s), a request without it is refused and one with it served',
    async ([, flags, tokenEnv], context) => {
      const s = campaignFolder(context);
      const run = startCli(sendJson('guarded', ...flags), {
        cwd: s.dir,
        env: { ...s.env, FIXTURE_LATENCY_MS: LATENCY_MS, ...tokenEnv },
      });
      const printed = await printedUrl(run);
      expect(printed.search).toBe(''); // the printed address does not carry the token
      const url = new URL(`http://127.0.0.1:${printed.port}/`);
      const bodies: string[] = [];
      for (const path of ['/', '/state', '/metrics']) {
        const without = await get(url, path);
        const wrong = await get(url, path, { Authorization: `Bearer ${TOKEN}x` });
        const header = await get(url, path, { Authorization: `Bearer ${TOKEN}` });
        const query = await get(url, `${path}?token=${TOKEN}`);
        expect([without.status, wrong.status, header.status, query.status], path).toEqual([
          401, 401, 200, 200,
        ]);
        bodies.push(without.body, wrong.body, header.body);
      }
      const exit = await run.exited;
      expect(exit.code, exit.stderr + exit.stdout).toBe(0);
      expect(deliveries(s.dir)).toHaveLength(PEOPLE);
      expectNoSecrets(bodies.join('\n') + exit.stdout + exit.stderr);
      expect(exit.stdout + exit.stderr).not.toContain(TOKEN);
      expect(await refused(Number(printed.port))).toBe(true);
    },
  );

  it('off loopback without a token, the command exits 2 before anything is sent or served', async (context) => {
    const s = campaignFolder(context);
    const port = await freePort();
    const run = await runCli(sendJson('exposed', '--dashboard', `0.0.0.0:${port}`), {
      cwd: s.dir,
      env: { ...s.env, FIXTURE_LATENCY_MS: LATENCY_MS },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--dashboard: 0.0.0.0 is reachable from other machines, so the dashboard needs a token',
    );
    expect(jsonLines(run.stdout)).toEqual([expect.objectContaining({ type: 'error', exitCode: 2 })]);
    expect(run.stderr).not.toContain('Dashboard: ');
    expect(deliveries(s.dir)).toEqual([]);
    expect(existsSync(join(s.dir, 'campaigns.sqlite'))).toBe(false); // not even journalled
    expect(await refused(port)).toBe(true);
  });
});
