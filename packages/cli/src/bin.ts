#!/usr/bin/env node
// The `switchyard` command. The Node check comes first, before anything that needs a newer Node
// is loaded: the rest is imported only once it has passed.
import { exitIfNodeTooOld } from './nodeVersion.js';

exitIfNodeTooOld();
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
