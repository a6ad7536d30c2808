// A campaign in a process of its own, for the crash test: it runs the built adapter (`dist`)
// against the scripted Telegram on the real clock, with the journal in a SQLite file and the
// scripted Telegram's deliveries and seen randomIds in a file of their own, so both outlive a
// SIGKILL. Arguments: <journal file> <telegram file> <start|resume> <seed> [list|stream]. A
// `stream` campaign reads its recipients from an async iterable, a few ahead of the sends, and
// is resumed by the same call with the same source read again from its start.
// Prints `sending` once the campaign has started, and a JSON summary when it has finished.
import { seededRandom } from '@switchyard/core';
import { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { CAMPAIGN, crashRecipients, crashTelegram } from './crashCampaign.js';

async function main(): Promise<void> {
  const [journal, telegramFile, mode, seedText, source = 'list'] = process.argv.slice(2);
  if (
    journal === undefined ||
    telegramFile === undefined ||
    (mode !== 'start' && mode !== 'resume') ||
    (source !== 'list' && source !== 'stream')
  )
    throw new Error('usage: campaignChild <journal> <telegram file> <start|resume> <seed> [list|stream]');
  const random = seededRandom(Number(seedText ?? '1'));
  const names = Array.from({ length: CAMPAIGN.sessions }, (_, i) => `s${i}`);
  const { sessions } = crashTelegram(names, telegramFile, random);
  const manager = new TelegramSessionManager({
    sessions,
    journal,
    delayMs: 0,
    fleetSendsPerSecond: 10_000,
  });
  async function* rows() {
    yield* crashRecipients();
  }
  const op =
    source === 'stream'
      ? manager.sendTextMessagesBulk(rows(), CAMPAIGN.text, { campaign: CAMPAIGN.id, highWaterMark: 16 })
      : mode === 'start'
        ? manager.sendTextMessagesBulk(crashRecipients(), CAMPAIGN.text, { campaign: CAMPAIGN.id })
        : manager.resumeCampaign(CAMPAIGN.id);
  process.stdout.write('sending\n');
  const { summary } = await op;
  await manager.shutdown();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  },
);
