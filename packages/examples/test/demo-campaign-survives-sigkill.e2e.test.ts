import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryLog } from '../src/simTelegram/index.js';
import { type DemoRun, printedCount, runBuiltDemo } from './builtDemo.js';

// The built demo, run as `pnpm demo` runs it.
const demo = (args: readonly string[]) => runBuiltDemo('demo/main.js', args);

describe('pnpm demo -- --crash-at 40%, then pnpm demo -- --resume', () => {
  let out: string;
  let crashed: DemoRun;
  let resumed: DemoRun;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'switchyard-demo-crash-'));
    const small = ['--sessions', '5', '--recipients', '400', '--seed', '7'];
    crashed = await demo(['--', ...small, '--speed', '0', '--plain', '--out', out, '--crash-at', '40%']);
    resumed = await demo(['--', '--resume', '--speed', '0', '--plain', '--out', out]);
  }, 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('the first run kills itself with SIGKILL part-way, after Telegram delivered some messages', () => {
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    expect(crashed.stdout).toMatch(/Killing the demo \(SIGKILL\) with 160 of 400 recipients settled/);
    expect(crashed.stdout).not.toContain('Summary');
  });

  it('the resumed run reads what was settled from the journal and finishes the campaign', () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^Resuming \(run 2\) from the journal /m);
    const split =
      /^(\d+) read from the journal \(settled before the crash\), (\d+) settled in this run$/m.exec(
        resumed.stdout,
      );
    const [fromJournal, now] = [Number(split?.[1]), Number(split?.[2])];
    expect(fromJournal).toBeGreaterThan(0);
    expect(now).toBeGreaterThan(0);
    expect(fromJournal + now).toBe(Number(/^recipients\s+(\d+)$/m.exec(resumed.stdout)?.[1]));
  });

  it("prints a check against Telegram's delivery log: nobody got two messages, nobody was lost", () => {
    expect(printedCount(resumed.stdout, 'messages beyond the first (duplicates)')).toBe(0);
    expect(printedCount(resumed.stdout, 'lost: not delivered, and no reason')).toBe(0);
    expect(printedCount(resumed.stdout, 'delivered, though reported not sent')).toBe(0);
    expect(resumed.stdout).toContain('check passed: nobody got two messages, nobody was lost');
  });

  it("agrees with Telegram's log read here: each person at most once, over both runs", () => {
    const deliveries = new DeliveryLog(join(out, 'telegram-deliveries.jsonl')).read();
    const perUser = new Map<string, number>();
    for (const d of deliveries) perUser.set(d.user, (perUser.get(d.user) ?? 0) + 1);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
    expect(perUser.size).toBe(printedCount(resumed.stdout, 'delivered exactly once'));
    const people = printedCount(resumed.stdout, 'people on the list');
    const explained = ['failed', 'skipped'].reduce(
      (sum, why) => sum + printedCount(resumed.stdout, `not delivered: ${why}, with the reason`),
      printedCount(resumed.stdout, 'not delivered: outcome unknown'),
    );
    expect(perUser.size + explained).toBe(people);
  });
});
