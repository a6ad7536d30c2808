// A node of a cluster in a process of its own, for the cluster crash test: the built adapter
// (`dist`) with sessions of its own (`<node>-0`, `<node>-1`) on the scripted Telegram (real
// clock, deliveries and seen randomIds in a file of its own, see crashTelegram), on a real Redis.
// Arguments: <redis url> <prefix> <node> <telegram file> <seed> <serve|send> <recipients> <hang>.
// `serve` takes items of the cluster's campaigns until SIGTERM (then shuts down and exits 0);
// `send` also starts the campaign and prints its report as JSON when the cluster has finished it.
// With <hang> above 0, that fraction of its sends takes effect at Telegram and is never answered,
// so the node holds sends that left when it is killed. Prints `serving` once it serves. Its
// warnings go to `<telegram file>.log` (appended across restarts), for a failed wait to quote.
import { seededRandom } from '@switchyard/core';
import { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { pino } from 'pino';
import { Api } from 'telegram';
import { CAMPAIGN, crashRecipients, crashTelegram } from './crashCampaign.js';

/** What the `send` node prints: the summary, and each item's outcome. */
export interface ClusterReport {
  readonly summary: Record<string, unknown>;
  readonly results: [recipient: string, outcome: string, sessionUsed: string | null, error: string | null][];
}

async function main(): Promise<void> {
  const [redis, prefix, node, telegramFile, seedText, role, recipientsText, hangText] = process.argv.slice(2);
  if (
    redis === undefined ||
    prefix === undefined ||
    node === undefined ||
    telegramFile === undefined ||
    (role !== 'serve' && role !== 'send')
  )
    throw new Error(
      'usage: clusterNodeChild <redis> <prefix> <node> <telegram file> <seed> <serve|send> <recipients> <hang>',
    );
  const random = seededRandom(Number(seedText ?? '1'));
  const recipients = Number(recipientsText ?? '100');
  const hang = Number(hangText ?? '0');
  const { telegram, sessions } = crashTelegram([`${node}-0`, `${node}-1`], telegramFile, random, {
    recipients,
    minMs: 20,
    spreadMs: 40,
  });
  telegram.fault = (ctx) =>
    ctx.request instanceof Api.messages.SendMessage && random() < hang
      ? { hang: true, after: true }
      : undefined;
  const manager = new TelegramSessionManager({
    sessions,
    delayMs: 0,
    fleetSendsPerSecond: 10_000,
    logger: pino(
      { level: 'warn', base: { node } },
      pino.destination({ dest: `${telegramFile}.log`, sync: true }),
    ),
    // Items of a killed node are taken again within about two seconds.
    cluster: { redis, node, prefix, lockMs: 1_000 },
  });
  process.on('SIGTERM', () => {
    void manager.shutdown().then(() => process.exit(0));
  });
  await manager.serve();
  process.stdout.write('serving\n');
  if (role === 'serve') return;
  const { results, summary } = await manager.sendTextMessagesBulk(
    [...crashRecipients(recipients), 'not a username!'],
    CAMPAIGN.text,
    { campaign: CAMPAIGN.id },
  );
  await manager.shutdown();
  const report: ClusterReport = {
    summary: { ...summary },
    results: [...results].map(([k, r]) => [k, r.outcome, r.sessionUsed ?? null, r.error ?? null]),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exit(1);
});
