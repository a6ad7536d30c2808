import { pathToFileURL } from 'node:url';
import { readCommandLine } from '../shared/cli.js';
import { runCampaign } from './campaign.js';
import type { Output } from './liveView.js';
import { DEMO_USAGE, parseDemoOptions } from './options.js';

export interface DemoIo {
  readonly stdout: Output;
  readonly stderr: Pick<Output, 'write'>;
}

/**
 * The demo's command line: 0 on success, 2 for a bad option, 1 if the campaign failed or its
 * check against Telegram's delivery log found a duplicate or a lost recipient.
 */
export async function main(argv: readonly string[], io: DemoIo = process): Promise<number> {
  const read = readCommandLine('demo', io.stderr, () => parseDemoOptions(argv));
  if (read === undefined) return 2;
  const parsed = read.value;
  if (parsed.help) {
    io.stdout.write(DEMO_USAGE);
    return 0;
  }
  try {
    const outcome = await runCampaign(parsed.config, io.stdout);
    return outcome.check.ok ? 0 : 1;
  } catch (error) {
    io.stderr.write(`switchyard demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
