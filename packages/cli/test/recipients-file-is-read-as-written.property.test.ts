// A property of `send --recipients FILE [--column C]`: the recipients read are those of the
// table written, whatever the file's layout (a header or none, quoted fields, a byte order mark,
// CRLF or LF, blank lines and # comments anywhere, repeats), and the total counts each once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { countRecipients, readRecipients, recipientColumn } from '../src/commands/recipientsFile.js';

/** How the recipient's column is found: a .csv file's header, `--column NAME`, `--column N`, or none. */
type Mode = 'csv header' | 'csv --column NAME' | 'txt --column NAME' | '--column N' | 'txt';

interface Table {
  readonly mode: Mode;
  /** The header's names (written in the header modes). */
  readonly names: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Which column `--column` names (by its name or its position). */
  readonly pick: number;
}

/** Names a header might have: letters, with spaces, commas and quotes inside, never only digits. */
const NAME = fc.stringMatching(/^[a-z]([a-z ,"]{0,8}[a-z])?$/);
/** Field values, with what CSV must quote (commas, quotes), a leading #, spaces and non-ASCII. */
const VALUE = fc.string({ unit: fc.constantFrom(...'ab_z09@.+/ ,"#é'), maxLength: 10 });

const TABLE: fc.Arbitrary<Table> = fc.integer({ min: 1, max: 4 }).chain((columns) =>
  fc
    .record({
      mode: fc.constantFrom<Mode>(
        'csv header',
        'csv --column NAME',
        'txt --column NAME',
        '--column N',
        'txt',
      ),
      names: fc.uniqueArray(NAME, { minLength: columns, maxLength: columns }),
      rows: fc.array(fc.array(VALUE, { minLength: columns, maxLength: columns }), { maxLength: 20 }),
      repeats: fc.array(fc.nat(), { maxLength: 5 }),
      pick: fc.nat({ max: columns }),
    })
    .map(({ rows, repeats, ...t }) => ({
      ...t,
      // Some rows again, word for word: each recipient is counted once.
      rows: rows.length === 0 ? rows : [...rows, ...repeats.map((i) => rows[i % rows.length]!)],
    })),
);

/** How the table is laid out in the file. */
interface Layout {
  readonly bom: boolean;
  /** Line ends, used in turn: LF or CRLF. */
  readonly ends: readonly string[];
  readonly finalEnd: boolean;
  /** Whether to quote a field that need not be, used in turn. */
  readonly quote: readonly boolean[];
  /** Blank lines and comments, each before the line at its index (the header included). */
  readonly extra: readonly { readonly before: number; readonly line: string }[];
}

const LAYOUT: fc.Arbitrary<Layout> = fc.record({
  bom: fc.boolean(),
  ends: fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 5 }),
  finalEnd: fc.boolean(),
  quote: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
  extra: fc.array(
    fc.record({
      before: fc.nat({ max: 30 }),
      line: fc.constantFrom('', '   ', '\t', '# a comment', '#', '# name,phone', '#"quoted"'),
    }),
    { maxLength: 4 },
  ),
});

const hasHeader = (mode: Mode) => mode.endsWith('NAME') || mode === 'csv header';

/** The table as a file: CSV quoting where it is needed (and, by `layout.quote`, where it is not). */
function write(table: Table, layout: Layout): string {
  let turn = 0;
  const field = (value: string, first: boolean, alone: boolean) => {
    // A comma or a quote; a # that would start a comment line; a line that would be blank.
    const must = /[",]/.test(value) || (first && value.startsWith('#')) || (alone && value.trim() === '');
    const quoted = must || layout.quote[turn++ % layout.quote.length]!;
    return quoted ? `"${value.replaceAll('"', '""')}"` : value;
  };
  const line = (fields: readonly string[]) =>
    fields.map((v, i) => field(v, i === 0, fields.length === 1)).join(',');
  const lines = [...(hasHeader(table.mode) ? [line(table.names)] : []), ...table.rows.map(line)];
  for (const { before, line: extra } of [...layout.extra].sort((a, b) => b.before - a.before))
    lines.splice(Math.min(before, lines.length), 0, extra);
  let text = layout.bom ? '\uFEFF' : '';
  lines.forEach((l, i) => {
    text += l;
    if (i < lines.length - 1 || layout.finalEnd) text += layout.ends[i % layout.ends.length];
  });
  return text;
}

/** The file's name and `--column`, as the mode gives them. */
function invocation(table: Table): { file: string; column: string | undefined } {
  const name = table.names[table.pick % table.names.length]!;
  switch (table.mode) {
    case 'csv header':
      return { file: 'list.csv', column: undefined };
    case 'csv --column NAME':
      return { file: 'list.csv', column: name };
    case 'txt --column NAME':
      return { file: 'list.txt', column: name };
    case '--column N':
      return { file: table.pick % 2 === 0 ? 'list.csv' : 'list.txt', column: String(table.pick) };
    case 'txt':
      return { file: 'list.txt', column: undefined };
  }
}

/** The recipients the table holds, in order: its chosen column of each row, trimmed. */
function expected(table: Table, column: string | undefined): string[] {
  const index =
    column === undefined ? 0 : /^\d+$/.test(column) ? Number(column) : table.names.indexOf(column);
  return table.rows.map((row) => (row[index] ?? '').trim());
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-recipients-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('a recipients file', () => {
  it('is read as the table written, each recipient counted once', async () => {
    await fc.assert(
      fc.asyncProperty(TABLE, LAYOUT, async (table, layout) => {
        const { file, column } = invocation(table);
        const path = join(dir, `${files++}-${file}`);
        const text = write(table, layout);
        writeFileSync(path, text);
        const found = await recipientColumn(path, column);
        const read: string[] = [];
        for await (const r of readRecipients(path, found)) read.push(r);
        const want = expected(table, column);
        expect(read, JSON.stringify(text)).toEqual(want);
        expect(await countRecipients(path, found)).toBe(new Set(want).size);
      }),
      { numRuns: 300 },
    );
  });
});
