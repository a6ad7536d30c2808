import { ValidationError } from '@switchyard/core';
import { CAMPAIGN_HELP, campaign } from './commands/campaign.js';
import { scrape } from './commands/scrape.js';
import { send } from './commands/send.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode, RuntimeFailure, UsageError } from './exitCodes.js';
import { Secrets } from './fleet.js';
import type { Io } from './io.js';

export const HELP = `switchyard: run Telegram campaigns, scrapes and joins over a fleet of sessions.

Usage:
  switchyard send --recipients list.csv --text message.txt --campaign ID [--media photo.jpg] [options]
  switchyard scrape --group @g [--group …] [--out-dir members/] [--campaign ID] [options]
  switchyard join --group @g [--group …] [--campaign ID] [options]
  switchyard campaign list | status ID | resume ID | export ID [--format csv|jsonl] [--out FILE]

Every command reads a config file (--config F, else switchyard.config.ts / .mts / .mjs / .js or
switchyard.json in this folder) and takes --help. --json prints JSON lines on stdout and nothing else.
Ctrl-C stops a run cleanly (exit 130); run the same command, or switchyard campaign resume ID, to go on.

Environment: TELEGRAM_API_ID, TELEGRAM_API_HASH (or the names the config's api field gives),
TELEGRAM_SESSION_<NAME> / TELEGRAM_SESSIONS (sessions: { "env": true }), SWITCHYARD_DASHBOARD_TOKEN.

${EXIT_CODES_HELP}`;

/** Run `switchyard` with `argv` (the arguments after the command's name); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    switch (command) {
      case 'send':
        return await send(rest, io);
      case 'scrape':
      case 'join':
        return await scrape(command, rest, io);
      case 'campaign':
        return await campaign(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${command === 'help' && rest[0] === 'campaign' ? CAMPAIGN_HELP : HELP}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(
          `unknown command ${JSON.stringify(command)}; use send, scrape, join or campaign (switchyard --help)`,
        );
    }
  } catch (error) {
    const { code, message } = describe(error);
    // The message may quote a library's error: take out any secret this process can see.
    const safe = (await Secrets.of(undefined, io.env)).scrub(message);
    io.stderr.write(`switchyard: ${safe}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ type: 'error', message: safe, exitCode: code })}\n`);
    return code;
  }
}

function describe(error: unknown): { code: ExitCode; message: string } {
  if (error instanceof UsageError || error instanceof RuntimeFailure)
    return { code: error.exitCode, message: error.message };
  if (error instanceof ValidationError)
    return { code: EXIT.usage, message: error.issues.map((i) => `${i.field}: ${i.reason}`).join('; ') };
  const code = (error as { code?: unknown }).code;
  if (code === 'E_JOURNAL_LEASE')
    return {
      code: EXIT.runtime,
      message: `${(error as Error).message} (the campaign is running in another process)`,
    };
  return {
    code: EXIT.runtime,
    message: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`,
  };
}
