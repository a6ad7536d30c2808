import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killRunning, runCli, scratch, sendArgs, usernames, writeFile } from './cliRuns.js';
import { expectNoSecrets } from './expectNoSecrets.js';
import { FIXTURE_API_HASH, fixtureSessionString } from './fixtures/secrets.js';

afterAll(killRunning);

describe('secrets', () => {
  let s: ReturnType<typeof scratch>;
  afterEach(() => s.remove());

  it('session strings and the API hash reach neither stdout nor stderr, at log level trace, in --json or not', async () => {
    s = scratch();
    writeFile(s.dir, 'list.txt', `${usernames(5).join('\n')}\nnot valid!\n`);
    const env = {
      ...s.env,
      FIXTURE_LOG_LEVEL: 'trace',
      FIXTURE_PRIVATE: 'user_0002',
      TELEGRAM_API_HASH: FIXTURE_API_HASH,
      TELEGRAM_SESSION_S1: fixtureSessionString('s1'),
    };
    for (const extra of [['--json'], []]) {
      const run = await runCli([...sendArgs(`c${extra.length}`), ...extra], { cwd: s.dir, env });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/"level":20/); // debug lines were written
      expectNoSecrets(run.stdout + run.stderr);
    }
  });

  it('a folder of real sessions that cannot connect exits 3, without printing their strings or the hash', async () => {
    s = scratch();
    mkdirSync(join(s.dir, 'sessions'));
    writeFile(join(s.dir, 'sessions'), 'alpha.session', `${fixtureSessionString('alpha')}\n`);
    writeFile(
      s.dir,
      'switchyard.json',
      // Give up after 1 s (two tries) rather than the default connectMs + 5 s.
      '{ "sessions": { "folder": "./sessions" }, "timeouts": { "connectMs": 200, "firstSessionMs": 1000 }, "logLevel": "trace" }',
    );
    writeFile(s.dir, 'list.txt', 'user_0001\n');
    const args = ['send', '--recipients', 'list.txt', '--message', 'Hi', '--campaign', 'x'];
    // The session's Telegram is 127.0.0.1:1, where nothing listens: every connect is refused.
    const run = await runCli(args, {
      cwd: s.dir,
      env: { TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: FIXTURE_API_HASH },
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('no session could connect within 1 s (alpha: reconnecting)');
    expect(run.stderr).toMatch(/"worker":"alpha".*"msg":"connect failed"/); // it was tried, and logged
    expectNoSecrets(run.stdout + run.stderr);

    // A hash that is not one is refused by name, without repeating it.
    const bad = await runCli(args, {
      cwd: s.dir,
      env: { TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: `${FIXTURE_API_HASH}zz` },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('TELEGRAM_API_HASH: apiHash must be 32 hex characters');
    expectNoSecrets(bad.stdout + bad.stderr);
  });
});
