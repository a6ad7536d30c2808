import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import {
  deliveries,
  FIXTURE_CONFIG,
  killRunning,
  runCli,
  scratch,
  sendArgs,
  usernames,
  writeFile,
} from './cliRuns.js';

afterAll(killRunning);

/** `switchyard …argv` in this process (config mistakes are found before any session is built). */
async function inProcess(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env,
    cwd,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('a config file with mistakes', () => {
  let s: ReturnType<typeof scratch>;
  afterEach(() => s.remove());

  it('names each field with its file, line and column, and suggests the name meant', async () => {
    s = scratch();
    writeFile(
      s.dir,
      'fleet.json',
      `{
  // comments are allowed
  "sessions": { "folder": "./sessions" },
  "strategy": "p2c-peak-ewa",
  "pacing": {
    "delayMs": -5,
    "fleetSendsPerSec": 10
  },
  "dashbord": { "port": 8080 },
  "logLevel": "loud"
}
`,
    );
    writeFile(s.dir, 'list.txt', 'user_0001\n');
    const run = await inProcess(
      ['send', '--config', 'fleet.json', '--recipients', 'list.txt', '--message', 'Hi', '--campaign', 'x'],
      s.dir,
    );
    expect(run.code).toBe(2);
    const file = `${s.dir}/fleet.json`;
    expect(run.stderr).toContain(
      `${file}:4:15 strategy: unknown strategy "p2c-peak-ewa"; did you mean "p2c-peak-ewma"?`,
    );
    expect(run.stderr).toContain(`${file}:6:16 pacing.delayMs: must be a number ≥ 0`);
    expect(run.stderr).toContain(
      `${file}:7:5 pacing.fleetSendsPerSec: unknown field; did you mean "fleetSendsPerSecond"?`,
    );
    expect(run.stderr).toContain(`${file}:9:3 dashbord: unknown field; did you mean "dashboard"?`);
    expect(run.stderr).toMatch(new RegExp(`${file}:10:15 logLevel: `));
  });

  it('reports a JSON syntax error with its line and column', async () => {
    s = scratch();
    writeFile(
      s.dir,
      'switchyard.json',
      '{\n  "sessions": { "env": true },\n  "pacing": { "delayMs": 10,, }\n}\n',
    );
    const run = await inProcess(['campaign', 'list'], s.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/switchyard\.json:3:29 Unexpected token Comma/);
  });

  it('says a required field is missing, where its object is', async () => {
    s = scratch();
    writeFile(s.dir, 'switchyard.json', '{\n  "journal": "x.sqlite"\n}\n');
    const run = await inProcess(['campaign', 'list', '--json'], s.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('switchyard.json:1:1 sessions: is required');
    // --json: the error is the one line on stdout.
    expect(JSON.parse(run.stdout)).toMatchObject({ type: 'error', exitCode: 2 });
  });

  it('asks for the API id and hash by their variables when they are not set', async () => {
    s = scratch();
    writeFile(s.dir, 'switchyard.json', '{ "sessions": { "env": true }, "api": { "hashEnv": "MY_HASH" } }');
    writeFile(s.dir, 'list.txt', 'user_0001\n');
    const run = await inProcess(
      ['send', '--recipients', 'list.txt', '--message', 'Hi', '--campaign', 'x'],
      s.dir,
      { TELEGRAM_API_ID: '12345' },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MY_HASH is not set');
  });
});

describe('usage mistakes', () => {
  let s: ReturnType<typeof scratch>;
  afterEach(() => s.remove());

  it.each([
    [['send', '--recipient', 'x'], /send: unknown option --recipient \(did you mean --recipients\?\)/],
    [['sned'], /unknown command "sned"/],
    [['send', '--campaign', 'x', '--message', 'Hi'], /--recipients FILE is required/],
    [
      ['send', '--recipients', 'missing.csv', '--message', 'Hi', '--campaign', 'x'],
      /--recipients: missing\.csv does not exist/,
    ],
    [['send', '--recipients', 'list.txt', '--campaign', 'x'], /the message is missing/],
    [['send', '--recipients', 'list.txt', '--text', 'empty.txt', '--campaign', 'x'], /the message is empty/],
    [['send', '--recipients', 'list.txt', '--message', 'Hi'], /--campaign ID is required/],
    [['campaign', 'status'], /the campaign ID is missing/],
    [['campaign', 'export', 'x', '--format', 'xml'], /--format must be csv or jsonl/],
    [['scrape', '--max-members', '0', '--group', '@g'], /--max-members must be a positive whole number/],
    [
      ['send', '--recipients', 'list.txt', '--message', 'Hi', '--campaign', 'x', '--dashboard', '0.0.0.0:80'],
      /needs a token/,
    ],
  ])('%j exits 2: %s', async (argv, message) => {
    s = scratch();
    writeFile(s.dir, 'list.txt', 'user_0001\n');
    writeFile(s.dir, 'empty.txt', '\n  \n');
    writeFile(s.dir, 'switchyard.json', '{ "sessions": { "env": true } }');
    const run = await inProcess(argv, s.dir);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
  });

  it('every command has --help, with the exit codes', async () => {
    s = scratch();
    for (const argv of [
      ['--help'],
      ['send', '--help'],
      ['scrape', '--help'],
      ['join', '--help'],
      ['campaign', '--help'],
    ]) {
      const run = await inProcess(argv, s.dir);
      expect(run.code, argv.join(' ')).toBe(0);
      expect(run.stdout).toContain('130  interrupted by Ctrl-C');
    }
  });
});

describe('against the fleet', () => {
  let s: ReturnType<typeof scratch>;
  afterEach(() => s.remove());

  it('a campaign id reused with another message exits 2 and sends nothing', async () => {
    s = scratch();
    writeFile(s.dir, 'list.txt', `${usernames(3).join('\n')}\n`);
    const send = (message: string) => runCli(sendArgs('c', message), { cwd: s.dir, env: s.env });
    expect((await send('First')).code).toBe(0);
    expect(deliveries(s.dir)).toHaveLength(3);
    writeFile(s.dir, 'list.txt', `${usernames(6).join('\n')}\n`);
    const mismatch = await send('Second');
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/campaign: campaign "c" exists with another/);
    // The error alone: no progress line for a run that never began.
    expect(mismatch.stdout).not.toMatch(/settled|eta/);
    expect(deliveries(s.dir)).toHaveLength(3);
  });

  it('an unknown campaign exits 2', async () => {
    s = scratch();
    const run = await runCli(['campaign', 'export', 'nope', '--config', FIXTURE_CONFIG], {
      cwd: s.dir,
      env: s.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the journal has no campaign "nope"');
  });
});
