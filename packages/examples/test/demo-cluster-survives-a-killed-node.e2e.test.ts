import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryLog } from '../src/simTelegram/index.js';
import { type DemoRun, printedCount, runBuiltDemo } from './builtDemo.js';

// The built cluster demo, run as `pnpm demo:cluster` runs it: its own Redis, three node
// processes, the last one SIGKILLed part-way and restarted.
const demo = (args: readonly string[]) => runBuiltDemo('demo/cluster/main.js', args);

describe('pnpm demo:cluster: one campaign over three node processes, one SIGKILLed part-way, Redis restarted', () => {
  let out: string;
  let run: DemoRun;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'switchyard-demo-cluster-'));
    run = await demo([
      '--',
      '--recipients',
      '300',
      '--speed',
      '20',
      '--down-ms',
      '1000',
      '--kill-at',
      '40%',
      '--restart-redis-at',
      '70%',
      '--plain',
      '--out',
      out,
    ]);
  }, 240_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('kills the last node with SIGKILL part-way and restarts it with its node id', () => {
    expect(run.code, `${run.stderr}${run.stdout.slice(-600)}`).toBe(0);
    expect(run.stdout).toMatch(/node-c killed \(SIGKILL\) with 120 of 300 recipients settled/);
    expect(run.stdout).toMatch(/node-c restarted with its node id/);
  });

  it('restarts Redis part-way; the nodes pause and go on, and no item fails because of it', () => {
    expect(run.stdout).toMatch(/Redis stopped with 210 of 300 recipients settled/);
    expect(run.stdout).toMatch(/Redis started again on its append-only file/);
    // Every failure is Telegram's answer about the recipient, none a lost connection.
    const failed = /failed: reason\s+count\n[─ ]+\n((?:.+\n)*?)\n/.exec(run.stdout)?.[1] ?? '';
    for (const row of failed.trim().split('\n').filter(Boolean))
      expect(row).toMatch(/^(USER_PRIVACY_RESTRICTED|USERNAME_NOT_OCCUPIED)\s+\d+$/);
  });

  it("ends with every person on the list delivered exactly once or not delivered with a reason, by Telegram's logs", async () => {
    expect(run.stdout).toContain('check passed: nobody got two messages, nobody was lost');
    expect(printedCount(run.stdout, 'messages beyond the first (duplicates)')).toBe(0);
    expect(printedCount(run.stdout, 'lost: not delivered, and no reason')).toBe(0);
    expect(printedCount(run.stdout, 'delivered, though reported not sent')).toBe(0);
    // The printed counts agree with what the three simulated Telegram processes wrote down.
    const delivered = ['node-a', 'node-b', 'node-c'].flatMap((n) =>
      new DeliveryLog(join(out, `telegram-deliveries-${n}.jsonl`)).read(),
    );
    expect(new Set(delivered.map((d) => d.user)).size).toBe(delivered.length);
    expect(printedCount(run.stdout, 'delivered exactly once')).toBe(delivered.length);
    expect(printedCount(run.stdout, 'sent')).toBe(delivered.length);
    // Every node's sessions took part: node-a has session-01 to -04, node-b 05 to 08, node-c 09 to 12.
    const nodeOf = (session: string) =>
      ['node-a', 'node-b', 'node-c'][Math.floor((Number(session.slice(-2)) - 1) / 4)];
    expect(new Set(delivered.map((d) => nodeOf(d.session)))).toEqual(new Set(['node-a', 'node-b', 'node-c']));
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('Switchyard cluster demo campaign');
    // results.csv: a header, then one row per recipient; its sent rows are the deliveries.
    const rows = (await readFile(join(out, 'results.csv'), 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('recipient,outcome,session,error,attempts,time_ms');
    expect(rows).toHaveLength(1 + 300);
    expect(rows.filter((r) => r.split(',')[1] === 'sent')).toHaveLength(delivered.length);
  });
});
