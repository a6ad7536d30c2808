// The root README's "Try it offline first" commands, run as written (from a folder that stands
// for the repository's root), against the simulated fleet of packages/examples/try: so that the
// README cannot drift from what the command does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PNPM = 'npx -y pnpm@10.34.8';

/** The `sh` block of the README's section `heading`, one command a line (`\` continues a line). */
function readmeCommands(heading: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(`\n### ${heading}\n`)[1]?.split(/\n#{2,3} /)[0];
  const block = section === undefined ? undefined : /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`README.md: no sh block under "### ${heading}"`);
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/**
 * The arguments `pnpm switchyard` hands the bin: the root script builds (the project's global
 * setup has built already), then runs `node packages/cli/dist/bin.js` with the arguments added.
 */
function binArgs(command: string): string[] {
  const prefix = `${PNPM} switchyard `;
  if (!command.startsWith(prefix)) throw new Error(`not a ${prefix}… command: ${command}`);
  const rest = command.slice(prefix.length);
  // Plain words only, so that splitting at spaces is what a shell does.
  if (/["'`$\\|;&<>*?~]/.test(rest)) throw new Error(`a command the test cannot split: ${command}`);
  return rest.trim().split(/\s+/);
}

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the bin as the root script does, in `cwd`, with nothing of this machine's environment but PATH. */
function run(args: readonly string[], cwd: string): Promise<Exit> {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.switchyard as string;
  const [, bin] = /^tsc -b tsconfig\.build\.json && node (\S+)$/.exec(script) ?? [];
  if (bin === undefined)
    throw new Error(`the root script switchyard is not "tsc -b … && node BIN": ${script}`);
  const child = spawn(process.execPath, [join(ROOT, bin), ...args], {
    cwd,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const root = mkdtempSync(join(tmpdir(), 'switchyard-try-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('README: try it offline first', () => {
  it('its commands send to the simulated fleet, print the status and export the campaign, as it says', async () => {
    const commands = readmeCommands('Try it offline first');
    expect(commands[0]).toBe(`${PNPM} install`);
    const [send, status, exported] = commands.slice(1).map(binArgs);
    expect([send?.[0], status?.slice(0, 2), exported?.slice(0, 2)]).toEqual([
      'send',
      ['campaign', 'status'],
      ['campaign', 'export'],
    ]);
    // A folder standing for the repository's root: the same paths, its own switchyard-try/.
    symlinkSync(join(ROOT, 'packages'), join(root, 'packages'));
    const tried = join(root, 'switchyard-try');

    const sent = await run(send!, root);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(
      'campaign try-1: 29/29 settled (0 from the journal) · sent 26 · failed 0 · skipped 3 · unknown 0',
    );
    expect(sent.stderr).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
    // The simulated Telegram's own record: 26 people, one message each, from the sim-… sessions.
    const delivered = readFileSync(join(tried, 'telegram-deliveries.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { session: string; user: string });
    expect(delivered).toHaveLength(26);
    expect(new Set(delivered.map((d) => d.user)).size).toBe(26);
    expect(new Set(delivered.map((d) => d.session))).toEqual(
      new Set(['sim-01', 'sim-02', 'sim-03', 'sim-04']),
    );

    const counts = await run(status!, root);
    expect(counts.code, counts.stderr).toBe(0);
    expect(counts.stdout).toMatch(
      /^try-1 {2}send-text {2}total 29 · sent 26 · failed 0 · skipped 3 · pending 0 · unknown 0 /,
    );

    const exportRun = await run(exported!, root);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    const rows = readFileSync(join(tried, 'try-1.csv'), 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('recipient,outcome,session,error,time');
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual([
      ...Array<string>(26).fill('sent'),
      ...Array<string>(3).fill('skipped'),
    ]);

    // The journal is kept where the README says; the same send again is read from it, sending nothing.
    expect(readFileSync(join(tried, 'try.sqlite')).subarray(0, 15).toString()).toBe('SQLite format 3');
    const again = await run(send!, root);
    expect(again.code, again.stderr).toBe(0);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('`29/29 settled (29 from the journal)`');
    expect(again.stdout).toContain('29/29 settled (29 from the journal)');
    expect(readFileSync(join(tried, 'telegram-deliveries.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(
      26,
    );
  }, 60_000);
});
