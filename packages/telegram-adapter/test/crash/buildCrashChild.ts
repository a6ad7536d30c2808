import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup: build the adapter (and what it references) into `dist`, incrementally,
 * then the crash test's child process and the scripted Telegram it runs against into
 * `.tsbuild-test/crash`, for the tests that start a separate Node process.
 */
export default function setup(project: TestProject): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = (args: string[]) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit' });
  run(['-b', join(project.config.root, 'tsconfig.json')]);
  run(['-p', join(project.config.root, 'test', 'crash', 'tsconfig.json')]);
}
