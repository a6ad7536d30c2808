import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: build this package's `dist` (incrementally, so it is quick when up to
 * date), for the tests that start a separate Node process running the built code.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', fileURLToPath(new URL('../tsconfig.json', import.meta.url))], {
    stdio: 'inherit',
  });
}
