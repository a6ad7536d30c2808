import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignOutcome, runCampaign } from '../src/demo/campaign.js';
import { main } from '../src/demo/main.js';
import { parseDemoOptions } from '../src/demo/options.js';

const SESSIONS = 5;

describe('pnpm demo, end to end in non-TTY mode', () => {
  let out: string;
  let printed = '';
  let outcome: CampaignOutcome;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'switchyard-demo-'));
    const parsed = parseDemoOptions([
      '--',
      '--sessions',
      String(SESSIONS),
      '--recipients',
      '400',
      '--seed',
      '7',
      '--speed',
      '0',
      '--out',
      out,
    ]);
    if (parsed.help) throw new Error('unexpected --help');
    outcome = await runCampaign(parsed.config, {
      isTTY: false,
      write: (text: string) => {
        printed += text;
        return true;
      },
    });
  }, 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('runs the scripted faults: flood waits, one PEER_FLOOD session, one revoked session', () => {
    const codes = new Set(outcome.faults.map((f) => f.code.replace(/\d+$/, 'n')));
    expect(codes).toContain('FLOOD_WAIT_n');
    expect(codes).toContain('PEER_FLOOD');
    expect(codes).toContain('AUTH_KEY_UNREGISTERED');
    expect(codes).toContain('USER_PRIVACY_RESTRICTED');
    for (const f of outcome.faults.filter((x) => x.code.startsWith('FLOOD_WAIT_'))) {
      const seconds = Number(f.code.slice('FLOOD_WAIT_'.length));
      expect(seconds).toBeGreaterThanOrEqual(5);
      expect(seconds).toBeLessThanOrEqual(60);
    }
  });

  it('delivers exactly one message to every valid recipient and none to anyone else', () => {
    const perUser = new Map<string, number>();
    for (const d of outcome.deliveries) perUser.set(d.user, (perUser.get(d.user) ?? 0) + 1);
    expect(outcome.audience.deliverable.size).toBeGreaterThan(350);
    for (const user of outcome.audience.deliverable) expect(perUser.get(user), user).toBe(1);
    expect(perUser.size).toBe(outcome.audience.deliverable.size);
  });

  it('has one result per list entry, and each says what happened', () => {
    const { audience, results } = outcome;
    expect(results).toHaveLength(audience.recipients.length);
    const byInput = new Map(results.map((r) => [r.recipient, r]));
    for (const user of audience.deliverable) expect(byInput.get(user)?.outcome, user).toBe('sent');
    for (const user of audience.privacyRestricted)
      expect(byInput.get(user)?.error).toBe('USER_PRIVACY_RESTRICTED');
    for (const user of audience.unknown) expect(byInput.get(user)?.outcome).toBe('failed');
    for (const dup of audience.duplicates) expect(byInput.get(dup)?.outcome).toBe('skipped');
    const skipped = results.filter((r) => r.outcome === 'skipped').length;
    expect(skipped).toBe(audience.malformed.length + audience.duplicates.length);
  });

  it('prints a summary whose counts match the results', () => {
    const count = (outcomeName: string) => outcome.results.filter((r) => r.outcome === outcomeName).length;
    const printedCount = (label: string) =>
      Number(new RegExp(`^${label}\\s+(\\d+)$`, 'm').exec(printed)?.[1]);
    expect(printedCount('recipients')).toBe(outcome.results.length);
    expect(printedCount('sent')).toBe(count('sent'));
    expect(printedCount('failed')).toBe(count('failed'));
    expect(printedCount('skipped')).toBe(count('skipped'));
    expect(outcome.summary.sent).toBe(outcome.deliveries.length);
    for (const name of outcome.timelines.keys()) {
      const delivered = outcome.deliveries.filter((d) => d.session === name).length;
      expect(outcome.summary.bySession[name]?.sent ?? 0, name).toBe(delivered);
      const row = new RegExp(`^${name}\\s+(\\d+)\\s+(\\d+)`, 'm').exec(printed);
      expect(Number(row?.[1]), name).toBe(delivered);
    }
    // Plain progress lines, not terminal escapes.
    expect(printed).toMatch(/^\[ *[\d.]+ ?m?s\] \d+\/\d+ · sent/m);
    expect(printed).not.toContain('\x1b[');
    expect(outcome.makespanMs).toBeGreaterThanOrEqual(outcome.lowerBoundMs);
  });

  it('writes a self-contained report.html with one timeline per session', async () => {
    const html = await readFile(outcome.reportPath, 'utf8');
    expect(outcome.reportPath).toBe(join(out, 'report.html'));
    const timelines = [...html.matchAll(/<g class="timeline" data-session="([^"]+)">/g)].map((m) => m[1]);
    expect(timelines).toEqual([...outcome.timelines.keys()]);
    expect(timelines).toHaveLength(SESSIONS);
    expect(html).toContain('class="throughput"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('pnpm demo command line', () => {
  const io = () => {
    const streams = { stdout: '', stderr: '' };
    return {
      streams,
      io: {
        stdout: { isTTY: false, write: (t: string) => (streams.stdout += t) },
        stderr: { write: (t: string) => (streams.stderr += t) },
      },
    };
  };

  it('--help lists every option and exits 0', async () => {
    const { streams, io: demoIo } = io();
    expect(await main(['--help'], demoIo)).toBe(0);
    for (const option of [
      '--sessions',
      '--recipients',
      '--strategy',
      '--seed',
      '--out',
      '--speed',
      '--crash-at',
      '--resume',
      '--help',
    ])
      expect(streams.stdout).toContain(option);
  });

  it('--resume where no campaign was started says so and exits 1', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'switchyard-demo-empty-'));
    const { streams, io: demoIo } = io();
    expect(await main(['--resume', '--out', empty], demoIo)).toBe(1);
    expect(streams.stderr).toMatch(
      /nothing to resume in .*switchyard-demo-empty-.*: no campaign was started there/,
    );
    await rm(empty, { recursive: true, force: true });
  });

  it.each([
    [['--sesions', '3'], /Unknown option '--sesions'/],
    [['--sessions', 'many'], /--sessions must be an integer from 1 to 200 \(got "many"\)/],
    [
      ['--strategy', 'fastest'],
      /--strategy: unknown strategy "fastest"; use one of round-robin, smooth-weighted-round-robin, least-loaded/,
    ],
    [
      ['--strategy', 'p2c-peak-ewa'],
      /--strategy: unknown strategy "p2c-peak-ewa"; did you mean "p2c-peak-ewma"\?/,
    ],
    [['--media-share', '2'], /--media-share must be a number from 0 to 1/],
    [['extra'], /unexpected argument "extra"/],
    [
      ['--crash-at', '140%'],
      /--crash-at must be a share of the recipients above 0% and at most 100%.*\(got "140%"\)/,
    ],
    [['--crash-at', 'abc'], /--crash-at must be a share .*\(got "abc"\)/],
    [['--crash-at', '0%'], /--crash-at must be a share .*\(got "0%"\)/],
    [['--resume', '--seed', '3'], /--seed cannot be given with --resume/],
  ])('%j is refused with a clear message and exit code 2', async (argv, message) => {
    const { streams, io: demoIo } = io();
    expect(await main(argv, demoIo)).toBe(2);
    expect(streams.stderr).toMatch(message);
    expect(streams.stderr).toContain('--help');
    expect(streams.stdout).toBe('');
  });
});
