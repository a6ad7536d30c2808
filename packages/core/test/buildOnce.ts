import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup: build the project's package (and what it references) into `dist`,
 * incrementally, so it is quick when up to date. For the tests that start a separate Node
 * process running the built code.
 */
export default function setup(project: TestProject): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', join(project.config.root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}
