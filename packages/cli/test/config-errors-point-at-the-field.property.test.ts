// Properties of reading a JSON config: any valid config, however it is laid out, is read as
// written; and one mistake put anywhere in it (an unknown field a letter away from a real one, a
// value of the wrong type, a number out of range) is reported as `file:line:column field: reason`
// at the exact place it is written, with exit code 2 and nothing journalled or sent.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { strategyNames } from '@switchyard/strategies';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/loadConfig.js';
import { main } from '../src/main.js';

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type Path = readonly (string | number)[];

/** How the config's fields may be written, as the README documents them. */
type Spec =
  | {
      readonly kind: 'leaf';
      readonly valid: fc.Arbitrary<Json>;
      readonly wrongType: fc.Arbitrary<Json>;
      /** Numbers the field refuses (its reason then starts "must be"). */
      readonly outOfRange?: fc.Arbitrary<number>;
    }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Spec>>;
      /** Fields always written. */
      readonly required?: readonly string[];
      /** Exactly one of the fields is written (sessions: folder or env). */
      readonly oneOf?: boolean;
    }
  /** Any names, each with a value of `value` (dailyScrapeQuota by session). */
  | { readonly kind: 'record'; readonly value: Spec }
  | { readonly kind: 'choice'; readonly options: readonly Spec[] };

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,9}$/);
/** Free text, with letters that are more than one byte in UTF-8 (a column counts characters). */
const label = fc.stringMatching(/^[a-zé€ß][a-z0-9_ é€ß]{0,9}$/);
const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]));
const notNumber = fc.oneof(word, fc.boolean(), fc.constant(null), fc.constant({}));
const leaf = (valid: fc.Arbitrary<Json>, wrongType: fc.Arbitrary<Json>, outOfRange?: fc.Arbitrary<number>) =>
  ({ kind: 'leaf', valid, wrongType, ...(outOfRange === undefined ? {} : { outOfRange }) }) as const;
const text = (wrong: fc.Arbitrary<Json> = notString) => leaf(label, wrong);

/** Whole or fractional numbers ≥ 0 (fractions as JSON writes them, 5e-324 included). */
const nonNegative = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);
const negative = fc.oneof(fc.integer({ min: -10_000_000, max: -1 }), fc.constant(-0.5));
const positiveInt = leaf(
  fc.integer({ min: 1, max: 10_000_000 }),
  notNumber,
  fc.oneof(fc.constant(0), negative, fc.constant(2.5)),
);
const nonNegativeLeaf = leaf(nonNegative, notNumber, negative);
const object = (
  fields: Record<string, Spec>,
  extra: { required?: string[]; oneOf?: boolean } = {},
): Spec => ({
  kind: 'object',
  fields,
  ...extra,
});

const CONFIG: Spec = object(
  {
    $schema: text(),
    sessions: object(
      { folder: text(), env: leaf(fc.constant(true), fc.oneof(fc.constant(false), fc.integer(), word)) },
      { oneOf: true },
    ),
    api: object({ idEnv: leaf(envName, notString), hashEnv: leaf(envName, notString) }),
    strategy: leaf(fc.constantFrom(...strategyNames), notString),
    pacing: object({
      delayMs: nonNegativeLeaf,
      fleetSendsPerSecond: leaf(
        fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(0.5)),
        notNumber,
        fc.oneof(fc.constant(0), negative),
      ),
    }),
    limits: object({
      sending: positiveInt,
      scraping: positiveInt,
      sessionCapacity: positiveInt,
      dailyScrapeQuota: {
        kind: 'choice',
        // A wrong type for the number is not an object: an object is the by-session form.
        options: [
          leaf(nonNegative, fc.oneof(word, fc.boolean(), fc.constant(null)), negative),
          { kind: 'record', value: nonNegativeLeaf },
        ],
      },
      restrictionMs: nonNegativeLeaf,
    }),
    timeouts: object({
      requestMs: positiveInt,
      uploadMs: positiveInt,
      connectMs: positiveInt,
      firstSessionMs: positiveInt,
    }),
    premium: leaf(fc.boolean(), fc.oneof(word, fc.integer(), fc.constant(null))),
    journal: {
      kind: 'choice',
      options: [
        leaf(
          word.map((w) => `${w}.sqlite`),
          notString,
        ),
        object(
          {
            path: leaf(
              word.map((w) => `${w}.sqlite`),
              notString,
            ),
            synchronous: leaf(fc.constantFrom('normal', 'full'), fc.oneof(fc.constant('fast'), fc.integer())),
          },
          { required: ['path'] },
        ),
      ],
    },
    dashboard: object({
      host: text(),
      port: leaf(
        fc.integer({ min: 0, max: 65_535 }),
        notNumber,
        fc.oneof(
          fc.integer({ min: 65_536, max: 1_000_000 }),
          fc.integer({ min: -70_000, max: -1 }),
          fc.constant(80.5),
        ),
      ),
      tokenEnv: leaf(envName, notString),
    }),
    logLevel: leaf(
      fc.constantFrom('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
      fc.oneof(word, fc.integer()),
    ),
  },
  { required: ['sessions'] },
);

/** A generated value, its members in the order written. */
type Node =
  | { readonly kind: 'value'; readonly value: Json }
  | { readonly kind: 'object'; readonly members: readonly { key: string; node: Node }[] };

/** The spec each node was made from, kept apart so that a counterexample prints as the config. */
const specs = new WeakMap<Node, Spec>();
const made = (node: Node, spec: Spec): Node => {
  specs.set(node, spec);
  return node;
};
const specOf = (node: Node): Spec => specs.get(node)!;

function nodeOf(spec: Spec): fc.Arbitrary<Node> {
  switch (spec.kind) {
    case 'leaf':
      return spec.valid.map((value) => made({ kind: 'value', value }, spec));
    case 'choice':
      return fc.oneof(...spec.options.map(nodeOf));
    case 'record':
      return fc
        .uniqueArray(fc.tuple(word, nodeOf(spec.value)), { selector: ([k]) => k, maxLength: 3 })
        .map((pairs) => made({ kind: 'object', members: pairs.map(([key, node]) => ({ key, node })) }, spec));
    case 'object': {
      const keys = Object.keys(spec.fields);
      const chosen = spec.oneOf
        ? fc.constantFrom(...keys).map((k) => [k])
        : fc
            .shuffledSubarray(
              keys.filter((k) => !spec.required?.includes(k)),
              { minLength: 0 },
            )
            .chain((optional) =>
              fc.shuffledSubarray([...(spec.required ?? []), ...optional], {
                minLength: optional.length + (spec.required?.length ?? 0),
              }),
            );
      return chosen.chain((names) =>
        fc
          .tuple(...names.map((k) => nodeOf(spec.fields[k]!)))
          .map((nodes) =>
            made({ kind: 'object', members: names.map((key, i) => ({ key, node: nodes[i]! })) }, spec),
          ),
      );
    }
  }
}

const jsonOf = (node: Node): Json =>
  node.kind === 'value' ? node.value : Object.fromEntries(node.members.map((m) => [m.key, jsonOf(m.node)]));

/** Every node of the tree with its path, the root first. */
function* walk(node: Node, path: Path = []): Generator<{ node: Node; path: Path }> {
  yield { node, path };
  if (node.kind === 'object') for (const m of node.members) yield* walk(m.node, [...path, m.key]);
}

/** Replace the node at `path` (the last member of that name: the one a JSON reader keeps). */
function replaced(node: Node, path: Path, by: (old: Node) => Node): Node {
  if (path.length === 0) return by(node);
  if (node.kind !== 'object') throw new Error('no such path');
  const i = node.members.findLastIndex((m) => m.key === path[0]);
  const members = [...node.members];
  members[i] = { key: members[i]!.key, node: replaced(members[i]!.node, path.slice(1), by) };
  return made({ kind: 'object', members }, specOf(node));
}

/** Spaces, tabs, line ends (LF and CRLF) and comments, as people lay a config out. */
const LAYOUT = fc.array(
  fc.constantFrom(
    '',
    ' ',
    '  ',
    '\t',
    '\n',
    '\r\n',
    '\n    ',
    '\r\n\t\t',
    ' // a note\n',
    '/* note */ ',
    '\n\n  ',
  ),
  { minLength: 1, maxLength: 30 },
);

interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * The config as JSON text laid out with `layout` (used in turn), and where each member's name and
 * value start, by path (a name written twice: its last place).
 */
function write(root: Node, layout: readonly string[], bom: boolean) {
  let out = bom ? '\uFEFF' : '';
  let turn = 0;
  const space = () => {
    out += layout[turn++ % layout.length];
  };
  const here = (): Position => {
    const body = out.replace(/^\uFEFF/, '');
    const lines = body.split('\n');
    return { line: lines.length, column: lines.at(-1)!.length + 1 };
  };
  const places = new Map<string, { key: Position; value: Position }>();
  const emit = (node: Node, path: Path) => {
    if (node.kind === 'value') {
      out += JSON.stringify(node.value);
      return;
    }
    out += '{';
    node.members.forEach((m, i) => {
      if (i > 0) out += ',';
      space();
      const key = here();
      out += JSON.stringify(m.key);
      space();
      out += ':';
      space();
      const childPath = [...path, m.key];
      places.set(JSON.stringify(childPath), { key, value: here() });
      emit(m.node, childPath);
      space();
    });
    out += '}';
  };
  space();
  emit(root, []);
  space();
  return { text: out, places };
}

/** Names one letter away from `name` (a letter left out, doubled, swapped, changed or in the other case). */
const nearMiss = (name: string) =>
  fc
    .tuple(
      fc.nat({ max: name.length - 1 }),
      fc.constantFrom('drop', 'double', 'swap', 'change', 'case'),
      fc.constantFrom(...'aeiouxz'),
    )
    .map(([i, how, letter]) => {
      const c = name[i]!;
      if (how === 'drop') return name.slice(0, i) + name.slice(i + 1);
      if (how === 'double') return name.slice(0, i) + c + name.slice(i);
      if (how === 'swap' && i + 1 < name.length)
        return name.slice(0, i) + name[i + 1] + c + name.slice(i + 2);
      if (how === 'case')
        return (
          name.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + name.slice(i + 1)
        );
      return name.slice(0, i) + (c === letter ? 'q' : letter) + name.slice(i + 1);
    });

/** Whether `a` becomes `b` with at most one letter added, taken out or changed. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

const writtenTwice = (reason: string) =>
  /^written twice \(first at line \d+, column \d+\); keep one$/.test(reason);

/** One mistake in a valid config, and what the error must say about it. */
interface Mistake {
  readonly root: Node;
  readonly path: Path;
  /** Where the error must point: the unknown name, or the bad value. */
  readonly at: 'key' | 'value';
  readonly reason: (reason: string) => boolean;
  readonly what: string;
}

/** The paths of every object that takes only its own named fields, and every value, in `root`. */
const closedObjects = (root: Node) => [...walk(root)].filter(({ node }) => specOf(node).kind === 'object');

function mistakes(root: Node): fc.Arbitrary<Mistake> {
  const unknown = fc.constantFrom(...closedObjects(root)).chain(({ node, path }) => {
    const fields = Object.keys((specOf(node) as { fields: Record<string, Spec> }).fields);
    return fc
      .tuple(fc.constantFrom(...fields), fc.nat(), fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>)
      .chain(([meant, index, value]) => nearMiss(meant).map((name) => ({ meant, index, value, name })))
      .filter(({ name }) => name !== '' && !fields.includes(name))
      .map(({ meant, index, value, name }): Mistake => {
        // Only `meant` is a letter away: the error must suggest it.
        const close = fields.filter((f) => oneEditApart(name.toLowerCase(), f.toLowerCase()));
        const suggests = close.length === 1 && close[0] === meant ? meant : undefined;
        return {
          root: replaced(root, path, (old) => {
            if (old.kind !== 'object') throw new Error('not an object');
            const members = [...old.members];
            members.splice(index % (members.length + 1), 0, {
              key: name,
              node: { kind: 'value', value },
            });
            return made({ kind: 'object', members }, specOf(old));
          }),
          path: [...path, name],
          at: 'key',
          reason: (r) =>
            suggests === undefined
              ? /^unknown field(; did you mean "[^"]+"\?)?$/.test(r)
              : r === `unknown field; did you mean "${suggests}"?`,
          what: `unknown field ${name} (meant ${meant})`,
        };
      });
  });
  /**
   * `value` written for the field at `path`; with `shadowing`, its good value is written before
   * it too, under the same name (a JSON reader would keep the last silently: the error must say
   * the name is written twice, at its second place).
   */
  const badValue = (path: Path, good: Node, value: Json, shadowing: boolean): Node => {
    const bad = replaced(root, path, () => made({ kind: 'value', value }, specOf(good)));
    if (!shadowing) return bad;
    return replaced(bad, path.slice(0, -1), (parent) =>
      parent.kind === 'object'
        ? made(
            { kind: 'object', members: [{ key: String(path.at(-1)), node: good }, ...parent.members] },
            specOf(parent),
          )
        : parent,
    );
  };
  const values = [...walk(root)].filter(
    ({ path, node }) => path.length > 0 && specOf(node).kind !== 'record',
  );
  const wrongType = fc.constantFrom(...values).chain(({ node, path }) => {
    const spec = specOf(node);
    // Not a string for an object: `journal` may be one.
    const wrong: fc.Arbitrary<Json> =
      spec.kind === 'leaf' ? spec.wrongType : fc.oneof(fc.integer(), fc.boolean(), fc.constant(null));
    return fc.tuple(wrong, fc.boolean()).map(
      ([value, shadowing]): Mistake => ({
        root: badValue(path, node, value, shadowing),
        path,
        at: shadowing ? 'key' : 'value',
        reason: (r) => (shadowing ? writtenTwice(r) : r.length > 0),
        what: `${JSON.stringify(value)} of the wrong type${shadowing ? ', after a good one' : ''}`,
      }),
    );
  });
  const numbers = values.filter(
    ({ node }) => (specOf(node) as { outOfRange?: unknown }).outOfRange !== undefined,
  );
  const outOfRange =
    numbers.length === 0
      ? wrongType
      : fc.constantFrom(...numbers).chain(({ node, path }) =>
          fc.tuple((specOf(node) as { outOfRange: fc.Arbitrary<number> }).outOfRange, fc.boolean()).map(
            ([value, shadowing]): Mistake => ({
              root: badValue(path, node, value, shadowing),
              path,
              at: shadowing ? 'key' : 'value',
              reason: (r) => (shadowing ? writtenTwice(r) : r.startsWith('must be')),
              what: `${value} out of range${shadowing ? ', after a good one' : ''}`,
            }),
          ),
        );
  return fc.oneof(unknown, wrongType, outOfRange);
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'list.txt'), 'user_0001\n');
let files = 0;

/** `switchyard send` with the config, in this process; its exit code and stderr. */
async function send(config: string) {
  let stderr = '';
  let stdout = '';
  const code = await main(
    ['send', '--config', config, '--recipients', 'list.txt', '--message', 'Hi', '--campaign', 'p'],
    {
      env: {},
      cwd: dir,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
  );
  return { code, stdout, stderr };
}

describe('a JSON config', () => {
  it('is read as written, whatever its layout', async () => {
    await fc.assert(
      fc.asyncProperty(nodeOf(CONFIG), LAYOUT, fc.boolean(), async (root, layout, bom) => {
        const { text } = write(root, layout, bom);
        const file = join(dir, `valid-${files++}.json`);
        writeFileSync(file, text);
        const loaded = await loadConfig(file);
        const expected = jsonOf(root) as Record<string, Json> & { sessions: Record<string, Json> };
        const sessions =
          'folder' in expected.sessions
            ? { folder: resolve(dir, expected.sessions.folder as string) }
            : expected.sessions;
        expect(loaded.config).toEqual({ ...expected, sessions });
      }),
      { numRuns: 200 },
    );
  });

  it('with one mistake anywhere: exit 2, the field and its line:column, nothing journalled', async () => {
    await fc.assert(
      fc.asyncProperty(nodeOf(CONFIG).chain(mistakes), LAYOUT, fc.boolean(), async (mistake, layout, bom) => {
        const { text, places } = write(mistake.root, layout, bom);
        const file = join(dir, `mistake-${files++}.json`);
        writeFileSync(file, text);
        const run = await send(file);
        const place = places.get(JSON.stringify(mistake.path))![mistake.at];
        const field = mistake.path.join('.');
        expect(run.code, run.stderr).toBe(2);
        const lines = run.stderr
          .replace(/^switchyard: /, '')
          .trimEnd()
          .split('\n');
        expect(lines, mistake.what).toHaveLength(1);
        const prefix = `${file}:${place.line}:${place.column} ${field}: `;
        expect(lines[0]!.slice(0, prefix.length), `${mistake.what}\n${text}`).toBe(prefix);
        expect(mistake.reason(lines[0]!.slice(prefix.length)), lines[0]).toBe(true);
        expect(run.stdout).toBe('');
        expect(readdirSync(dir).filter((f) => f.endsWith('.sqlite'))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
