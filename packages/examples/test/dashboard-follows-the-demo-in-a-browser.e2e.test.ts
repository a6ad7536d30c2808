// The live dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core
// (`pnpm test` installs it with scripts/ensure-chromium.sh). It loads the page while the built
// demo runs, watches the numbers move, and holds the last ones against the demo's summary.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedCount, runBuiltDemo } from './builtDemo.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SESSIONS = 8;

describe('the live dashboard in Chromium during pnpm demo -- --dashboard', () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: run \`pnpm chromium\` (bash scripts/ensure-chromium.sh) first`,
      );
    dir = await mkdtemp(join(tmpdir(), 'switchyard-dashboard-e2e-'));
    // A fresh profile each run: nothing cached, nothing remembered.
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('shows numbers that move while the campaign runs, and at the end the demo summary', async () => {
    const started = performance.now();
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => {
      announce = resolve;
    });
    // About 800 recipients over 8 sessions at 20 campaign seconds per real second: some ten
    // real seconds, time enough to watch.
    const run = runBuiltDemo(
      'demo/main.js',
      [
        '--dashboard',
        '127.0.0.1:0',
        '--sessions',
        String(SESSIONS),
        '--recipients',
        '800',
        '--seed',
        '3',
      ].concat(['--speed', '20', '--out', join(dir, 'out')]),
      (printed) => {
        const url = /^Live dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(printed)?.[1];
        if (url !== undefined) announce(url);
      },
    );
    const url = await Promise.race([
      announced,
      run.then((r) =>
        Promise.reject(
          new Error(`the demo ended before it printed the dashboard's address:\n${r.stdout}${r.stderr}`),
        ),
      ),
    ]);
    await page.goto(url);
    const number = async (id: string) => Number(await page.locator(`#${id}`).textContent());
    const status = () => page.locator('#status').getAttribute('data-status');

    // While it runs: the settled count climbs, step by step.
    const seen: number[] = [];
    let ended = false;
    run.then(() => {
      ended = true;
    });
    while (!ended) {
      const settled = await number('settled');
      if (seen[seen.length - 1] !== settled) seen.push(settled);
      await page.waitForTimeout(200);
    }
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(seen.length, `settled counts seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.some((n) => n > 0 && n < 800)).toBe(true);

    // At the end: the server sent the last numbers and ended the stream.
    await expect.poll(status, { timeout: 10_000 }).toBe('ended');
    expect(await number('settled')).toBe(printedCount(result.stdout, 'recipients'));
    expect(await number('total')).toBe(printedCount(result.stdout, 'recipients'));
    for (const label of ['sent', 'failed', 'skipped', 'unknown'])
      expect(await number(label), label).toBe(printedCount(result.stdout, label));
    // One row per session, each with what it sent, as the summary has it.
    const rows = page.locator('#sessions tbody tr');
    expect(await rows.count()).toBe(SESSIONS);
    for (let i = 0; i < SESSIONS; i++) {
      const [name, , , sent] = await rows.nth(i).locator('td').allTextContents();
      const printed = new RegExp(`^${name}\\s+(\\d+)\\s+(\\d+)`, 'm').exec(result.stdout);
      expect(Number(sent), name).toBe(Number(printed?.[1]));
    }
    // The charts drew (uPlot), the timeline drew, and the log has the demo's flood waits.
    expect(await page.locator('#throughput .uplot canvas').count()).toBe(1);
    expect(await page.locator('#queue .uplot canvas').count()).toBe(1);
    expect(
      await page.locator('#timeline').evaluate((c) => (c as unknown as { height: number }).height),
    ).toBeGreaterThan(0);
    expect(await page.locator('#log li[data-kind="flood-wait"]').count()).toBeGreaterThan(0);
    // No CSP violation, no script error.
    expect(problems).toEqual([]);
    console.log(
      `dashboard e2e: ${seen.length} settled counts seen (${seen.join(' → ')}); ${Math.round(performance.now() - started)} ms`,
    );
  }, 120_000);
});
