#!/usr/bin/env node
// The `switchyard` command. The Node check comes first, before anything that needs a newer Node
// is loaded: the rest is imported only once it has passed.
import { exitIfNodeTooOld } from './nodeVersion.js';

exitIfNodeTooOld();
const { main } = await import('./main.js');
const { EXIT } = await import('./exitCodes.js');
const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
if (code === EXIT.runtime) {
  // GramJS goes on retrying a connect() that never succeeded after its client was destroyed
  // (seconds on a network that drops packets): the work is over, so leave after a short grace.
  setTimeout(() => process.exit(code), 1000).unref();
}
