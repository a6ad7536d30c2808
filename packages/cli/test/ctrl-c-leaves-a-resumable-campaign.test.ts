import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  deliveries,
  FIXTURE_CONFIG,
  jsonLines,
  killRunning,
  runCli,
  scratch,
  sendArgs,
  startCli,
  until,
  usernames,
  writeFile,
} from './cliRuns.js';

afterAll(killRunning);

describe('Ctrl-C', () => {
  let s: ReturnType<typeof scratch>;
  afterEach(() => s.remove());

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s mid-campaign exits 130 with the campaign resumable; the same command finishes it, each recipient once',
    async (signal) => {
      s = scratch();
      const people = usernames(60);
      writeFile(s.dir, 'list.txt', `${people.join('\n')}\n`);
      // Slow answers, so the signal lands with sends in flight.
      const env = { ...s.env, FIXTURE_USERS: '60', FIXTURE_LATENCY_MS: '40' };
      const args = sendArgs('c', 'Hello');
      const first = startCli([...args, '--json'], { cwd: s.dir, env });
      await until('10 results', () => jsonLines(first.stdout()).length >= 10);
      first.child.kill(signal);
      const stopped = await first.exited;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stderr).toContain('switchyard campaign resume c');
      const lines = jsonLines(stopped.stdout);
      expect(lines.at(-1)).toMatchObject({ type: 'summary', interrupted: true, exitCode: 130, failed: 0 });
      const before = deliveries(s.dir).length;
      expect(before).toBeGreaterThanOrEqual(10);
      expect(before).toBeLessThan(60);

      const status = await runCli(['campaign', 'status', 'c', '--config', FIXTURE_CONFIG, '--json'], {
        cwd: s.dir,
        env,
      });
      const counts = jsonLines(status.stdout)[0]!;
      expect(counts.complete).toBe(false);

      const second = await runCli([...args, '--json'], {
        cwd: s.dir,
        env: { ...env, FIXTURE_LATENCY_MS: '0' },
      });
      expect(second.code, second.stderr).toBe(0);
      expect(jsonLines(second.stdout).at(-1)).toMatchObject({ settled: 60, sent: 60, failed: 0, unknown: 0 });

      // Telegram's record across both runs: each of the 60 got exactly one message.
      const got = deliveries(s.dir);
      expect(got).toHaveLength(60);
      expect(new Set(got.map((d) => d.peer)).size).toBe(60);
    },
  );

  it('campaign resume finishes an interrupted campaign from the journal alone', async () => {
    s = scratch();
    writeFile(s.dir, 'list.txt', `${usernames(40).join('\n')}\n`);
    const env = { ...s.env, FIXTURE_USERS: '40', FIXTURE_LATENCY_MS: '40' };
    const first = startCli([...sendArgs('r'), '--json'], { cwd: s.dir, env });
    await until('5 results', () => jsonLines(first.stdout()).length >= 5);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(130);
    const resumed = await runCli(['campaign', 'resume', 'r', '--config', FIXTURE_CONFIG, '--json'], {
      cwd: s.dir,
      env: { ...env, FIXTURE_LATENCY_MS: '0' },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({
      type: 'summary',
      campaign: 'r',
      settled: 40,
      sent: 40,
    });
    const got = deliveries(s.dir);
    expect(got).toHaveLength(40);
    expect(new Set(got.map((d) => d.peer)).size).toBe(40);
  });
});
