import { extname } from 'node:path';
import { recipientsFromFile } from '@switchyard/telegram-adapter';
import { UsageError } from '../exitCodes.js';

/** Which column of a recipients file holds the recipient: a position from 0, or a header's name. */
export type RecipientColumn = string | number | undefined;

/**
 * The column `send` reads, from `--column` (digits: a position in a headerless file; anything
 * else: a name in the header line). Without it, a .csv file has a header line and its first
 * column is read (so a header such as `username` is never taken for a recipient); any other file
 * is one recipient a line.
 */
export async function recipientColumn(path: string, flag: string | undefined): Promise<RecipientColumn> {
  if (flag !== undefined) return /^\d+$/.test(flag) ? Number(flag) : flag;
  if (extname(path).toLowerCase() !== '.csv') return undefined;
  // The header is the first line the file's reader takes (blank lines and # comments skipped, a
  // quoted name unquoted, as everywhere in the file): its first field names the column.
  const lines = recipientsFromFile(path, { column: 0 });
  let name = '';
  try {
    const first = await lines.next();
    if (first.done !== true) name = first.value;
  } finally {
    await lines.return(undefined);
  }
  if (name === '')
    throw new UsageError(
      `--recipients: ${path} is a .csv file without a header line; name the column with --column`,
    );
  return name;
}

/** The recipients of the file, in `column`, read as the send needs them. */
export const readRecipients = (path: string, column: RecipientColumn): AsyncGenerator<string> =>
  recipientsFromFile(path, column === undefined ? {} : { column });

/** The distinct recipients of the file (exact repeats are dropped by the send too): the progress bar's total. */
export async function countRecipients(path: string, column: RecipientColumn): Promise<number> {
  const seen = new Set<string>();
  for await (const r of readRecipients(path, column)) seen.add(r);
  return seen.size;
}
