// Sends one message through your own Telegram sessions, balanced by TelegramSessionManager.
// Type-checked in CI, never run there. Usage (after `pnpm build`):
//
//   API_ID=12345 API_HASH=0123abcd… SESSIONS_DIR=./sessions RECIPIENTS=@alice,@bob \
//     MESSAGE='Hello from Switchyard' node packages/examples/dist/telegramReal.js
//
// SESSIONS_DIR holds one GramJS StringSession per `<name>.session` file (see the adapter's
// `saveSessionFile`). Nothing is sent unless every variable it needs is set.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '@switchyard/core';
import { loadSessionsFromFolder, TelegramSessionManager } from '@switchyard/telegram-adapter';
import { pino } from 'pino';
import { exitIfNodeTooOld } from './shared/nodeVersion.js';

const REQUIRED = {
  API_ID: 'your api_id from https://my.telegram.org/apps (a number)',
  API_HASH: 'your api_hash from https://my.telegram.org/apps',
  SESSIONS_DIR: 'a folder of <name>.session files, one GramJS StringSession each',
  RECIPIENTS: 'comma-separated usernames (@alice,bob) or @path/to/file with one per line',
} as const;

export interface RealRunIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** Which required variables are missing or empty, with what each should hold. */
export function missingVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(REQUIRED)
    .filter(([name]) => (env[name] ?? '').trim() === '')
    .map(([name, what]) => `${name}: ${what}`);
}

async function recipientsFrom(spec: string): Promise<string[]> {
  const list = spec.startsWith('@') && spec.includes('/') ? await readFile(spec.slice(1), 'utf8') : spec;
  return list
    .split(/[\n,]/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

/** 0 when every message went out, 1 when some failed, 2 when configuration is missing or wrong. */
export async function main(
  io: RealRunIo = { env: process.env, stdout: process.stdout, stderr: process.stderr },
) {
  const missing = missingVariables(io.env);
  if (missing.length > 0) {
    io.stderr.write(
      `telegram-real: missing environment variables:\n${missing.map((m) => `  ${m}`).join('\n')}\n`,
    );
    return 2;
  }
  const env = io.env;
  let manager: TelegramSessionManager;
  let recipients: string[];
  try {
    const sessions = await loadSessionsFromFolder(env.SESSIONS_DIR!, {
      apiId: env.API_ID!,
      apiHash: env.API_HASH!,
    });
    recipients = await recipientsFrom(env.RECIPIENTS!);
    manager = new TelegramSessionManager({
      sessions,
      strategy: 'least-loaded',
      logger: pino({ level: env.LOG_LEVEL ?? 'info' }),
    });
  } catch (error) {
    const detail =
      error instanceof ValidationError
        ? error.issues.map((i) => `${i.field}: ${i.reason}`).join('; ')
        : (error as Error).message;
    io.stderr.write(`telegram-real: ${detail}\n`);
    return 2;
  }
  try {
    io.stdout.write(`Sending to ${recipients.length} recipients over ${manager.sessionNames().join(', ')}\n`);
    const report = await manager.sendTextMessagesBulk(recipients, env.MESSAGE ?? 'Hello from Switchyard');
    for (const r of report.results.values())
      io.stdout.write(
        `  ${r.recipient}: ${r.outcome}${r.error ? ` (${r.error})` : ''} via ${r.sessionUsed ?? '-'}\n`,
      );
    const { sent, failed, skipped } = report.summary;
    io.stdout.write(`sent ${sent}, failed ${failed}, skipped ${skipped}\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await manager.shutdown();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitIfNodeTooOld();
  process.exitCode = await main();
}
