import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  deliveries,
  FIXTURE_CONFIG,
  jsonLines,
  killRunning,
  runCli,
  scratch,
  sendArgs,
  usernames,
  writeFile,
} from './cliRuns.js';

afterAll(killRunning);

describe('switchyard send', () => {
  let s: ReturnType<typeof scratch>;
  afterEach(() => s.remove());

  it('sends each recipient of a CSV one message, prints JSON lines only, and the journal exports them', async () => {
    s = scratch();
    const people = usernames(20);
    // A header, a repeat under another spelling, an invalid line, and one who refuses strangers.
    writeFile(
      s.dir,
      'list.csv',
      `username,name\n${people.map((p, i) => `${p},Person ${i}`).join('\n')}\n@USER_0001,Again\nnot valid!,x\n`,
    );
    writeFile(s.dir, 'message.txt', 'Spring sale: 20% off\n\n');
    const env = { ...s.env, FIXTURE_PRIVATE: 'user_0007' };
    const args = [
      'send',
      '--config',
      FIXTURE_CONFIG,
      '--recipients',
      'list.csv',
      '--text',
      'message.txt',
      '--campaign',
      'spring',
    ];
    const run = await runCli([...args, '--json'], { cwd: s.dir, env });

    expect(run.code, run.stderr).toBe(1); // one recipient failed
    const lines = jsonLines(run.stdout); // every line of stdout is JSON
    const results = lines.filter((l) => l.type === 'result');
    expect(lines.map((l) => l.type)).toEqual([...results.map(() => 'result'), 'summary']);
    expect(results).toHaveLength(22);
    for (const r of results)
      expect(Object.keys(r).sort()).toEqual(
        expect.arrayContaining([
          'attempts',
          'error',
          'fromJournal',
          'outcome',
          'recipient',
          'session',
          'time',
          'type',
        ]),
      );
    const byRecipient = new Map(results.map((r) => [r.recipient, r]));
    expect(byRecipient.get('user_0007')).toMatchObject({
      outcome: 'failed',
      error: 'USER_PRIVACY_RESTRICTED',
    });
    expect(byRecipient.get('@USER_0001')).toMatchObject({ outcome: 'skipped', duplicateOf: 'user_0001' });
    expect(byRecipient.get('not valid!')).toMatchObject({ outcome: 'skipped' });
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      campaign: 'spring',
      total: 22,
      settled: 22,
      sent: 19,
      failed: 1,
      skipped: 2,
      unknown: 0,
      interrupted: false,
      exitCode: 1,
    });

    // Telegram's own record: everyone but the one who refuses got exactly one message, the text as written.
    const got = deliveries(s.dir);
    expect(got).toHaveLength(19);
    expect(new Set(got.map((d) => d.peer)).size).toBe(19);
    expect(new Set(got.map((d) => d.text))).toEqual(new Set(['Spring sale: 20% off']));

    // The same command again sends nothing more: every result comes from the journal.
    const again = await runCli([...args, '--json'], { cwd: s.dir, env });
    expect(again.code).toBe(1);
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ settled: 22, fromJournal: 22, sent: 19 });
    expect(deliveries(s.dir)).toHaveLength(19);

    const status = await runCli(['campaign', 'status', 'spring', '--config', FIXTURE_CONFIG, '--json'], {
      cwd: s.dir,
      env,
    });
    expect(status.code).toBe(0);
    expect(jsonLines(status.stdout)).toEqual([
      expect.objectContaining({
        type: 'campaign',
        id: 'spring',
        kind: 'send-text',
        total: 22,
        sent: 19,
        failed: 1,
        skipped: 2,
        pending: 0,
        unknown: 0,
        complete: true,
      }),
    ]);
    const list = await runCli(['campaign', 'list', '--config', FIXTURE_CONFIG], { cwd: s.dir, env });
    expect(list.stdout).toMatch(
      /^spring {2}send-text {2}total 22 · sent 19 · failed 1 · skipped 2 · pending 0 · unknown 0/,
    );

    const csv = await runCli(['campaign', 'export', 'spring', '--config', FIXTURE_CONFIG], {
      cwd: s.dir,
      env,
    });
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('recipient,outcome,session,error,time');
    expect(rows).toHaveLength(23);
    expect(rows).toContainEqual(
      expect.stringMatching(/^user_0007,failed,,USER_PRIVACY_RESTRICTED,\d{4}-\d\d-\d\dT/),
    );
    expect(rows).toContainEqual(expect.stringMatching(/^user_0002,sent,s\d,,\d{4}-/));

    const jsonl = await runCli(
      ['campaign', 'export', 'spring', '--config', FIXTURE_CONFIG, '--format', 'jsonl', '--out', 'out.jsonl'],
      { cwd: s.dir, env },
    );
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout).toBe('');
    const exported = jsonLines((await import('node:fs')).readFileSync(`${s.dir}/out.jsonl`, 'utf8'));
    expect(exported).toHaveLength(22);
    expect(exported.filter((r) => r.outcome === 'sent')).toHaveLength(19);
    for (const r of exported)
      expect(Object.keys(r).sort()).toEqual(['error', 'outcome', 'recipient', 'session', 'time']);
  });

  it('prints plain progress and a summary when stdout is not a terminal', async () => {
    s = scratch();
    writeFile(s.dir, 'list.txt', `${usernames(5).join('\n')}\n`);
    const run = await runCli(sendArgs('plain'), { cwd: s.dir, env: s.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain(String.fromCharCode(27)); // no terminal escapes in a pipe
    expect(run.stdout).toMatch(
      /campaign plain: 5\/5 settled \(0 from the journal\) · sent 5 · failed 0 · skipped 0 · unknown 0/,
    );
    expect(deliveries(s.dir)).toHaveLength(5);
  });
});
