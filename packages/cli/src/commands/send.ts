import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { MediaType } from '@switchyard/telegram-adapter';
import { parseCommand } from '../args.js';
import { EXIT_CODES_HELP, type ExitCode, UsageError } from '../exitCodes.js';
import type { Io } from '../io.js';
import { configure, FLEET_OPTIONS, FLEET_OPTIONS_HELP, follow, withFleet } from '../run.js';
import { countRecipients, readRecipients, recipientColumn } from './recipientsFile.js';
import { followSend } from './sendResults.js';

export const SEND_HELP = `switchyard send: send one message (text, or a file with a caption) to every recipient of a list,
each at most once, as a campaign recorded in the journal. Running the same command again resumes it.

Usage:
  switchyard send --recipients list.csv (--text message.txt | --message "…") --campaign ID [options]
  switchyard send --recipients list.txt --media photo.jpg [--caption "…"] --campaign ID [options]

Options:
      --recipients FILE    a text file (one recipient a line) or CSV; blank lines and # comments skipped
      --column NAME|N      the column that holds the recipient: its name in a .csv file's header line
                           (default: the first column), or its position from 0 in a headerless file
      --text FILE          the message, read from a file (UTF-8; trailing blank lines dropped)
      --message TEXT       the message, given here
      --media FILE         send this file (image, video, audio or document) instead of text
      --media-type TYPE    image, video, audio or document (default: from the file's extension)
      --caption TEXT       the media's caption (default: --text / --message, if given)
      --campaign ID        the campaign's id (1–200 characters); the same id resumes it
${FLEET_OPTIONS_HELP}

Recipients: usernames, @name, t.me/name, numeric ids and +phone numbers. Each person gets one message.

${EXIT_CODES_HELP}`;

const SPECS = {
  ...FLEET_OPTIONS,
  recipients: { type: 'string' },
  column: { type: 'string' },
  text: { type: 'string' },
  message: { type: 'string' },
  media: { type: 'string' },
  'media-type': { type: 'string' },
  caption: { type: 'string' },
  campaign: { type: 'string' },
} as const;

const MEDIA_TYPES: Readonly<Record<string, MediaType>> = {
  '.jpg': 'image',
  '.jpeg': 'image',
  '.png': 'image',
  '.mp4': 'video',
  '.mov': 'video',
  '.webm': 'video',
  '.mkv': 'video',
  '.mp3': 'audio',
  '.m4a': 'audio',
  '.ogg': 'audio',
  '.oga': 'audio',
  '.wav': 'audio',
  '.flac': 'audio',
};

const readable = async (io: Io, flag: string, path: string): Promise<string> => {
  const full = resolve(io.cwd, path);
  const s = await stat(full).catch(() => undefined);
  if (s === undefined) throw new UsageError(`${flag}: ${path} does not exist`);
  if (!s.isFile()) throw new UsageError(`${flag}: ${path} is not a file`);
  return full;
};

export async function send(argv: readonly string[], io: Io): Promise<ExitCode> {
  const { values: v } = parseCommand('send', argv, SPECS);
  if (v.help) {
    io.stdout.write(`${SEND_HELP}\n`);
    return 0;
  }
  if (v.campaign === undefined)
    throw new UsageError(
      'send: --campaign ID is required (it is how the campaign is journalled and resumed)',
    );
  if (v.recipients === undefined) throw new UsageError('send: --recipients FILE is required');
  if (v.text !== undefined && v.message !== undefined)
    throw new UsageError('send: give the message with --text FILE or --message TEXT, not both');
  if (v.media === undefined && v.text === undefined && v.message === undefined)
    throw new UsageError('send: the message is missing: --text FILE or --message TEXT (or --media FILE)');
  if (v.media === undefined && (v['media-type'] !== undefined || v.caption !== undefined))
    throw new UsageError(`send: --${v.caption !== undefined ? 'caption' : 'media-type'} needs --media FILE`);
  const recipients = await readable(io, '--recipients', v.recipients);
  const column = await recipientColumn(recipients, v.column);
  let text = v.message;
  if (v.text !== undefined) text = await readFile(await readable(io, '--text', v.text), 'utf8');
  text = text?.replace(/\s+$/, '');
  if (text !== undefined && text.trim() === '' && v.media === undefined)
    throw new UsageError(`send: the message is empty (${v.text ?? '--message'})`);
  const media = v.media === undefined ? undefined : await readable(io, '--media', v.media);
  const mediaType = (v['media-type'] ??
    (media && MEDIA_TYPES[extname(media).toLowerCase()]) ??
    'document') as MediaType;
  if (!['image', 'video', 'audio', 'document'].includes(mediaType))
    throw new UsageError(
      `send: --media-type must be image, video, audio or document, not ${JSON.stringify(mediaType)}`,
    );
  const total = await countRecipients(recipients, column);
  if (total === 0) throw new UsageError(`send: ${v.recipients} holds no recipients`);
  const configured = await configure(io, v);
  const campaign = v.campaign;
  return withFleet(configured, v, `campaign ${campaign}`, async (fleet) => {
    const source = readRecipients(recipients, column);
    const op =
      media === undefined
        ? fleet.manager.sendTextMessagesBulk(source, text!, { campaign })
        : fleet.manager.sendMediaMessagesBulk(source, media, mediaType, {
            campaign,
            caption: v.caption ?? text ?? '',
          });
    return follow(
      fleet,
      op,
      followSend(
        campaign,
        total,
        `resume with: switchyard campaign resume ${campaign} (or run the same send again)`,
      ),
    );
  });
}
