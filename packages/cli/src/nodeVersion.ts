/**
 * The oldest Node the commands run on: the `engines.node` of every package.json (a test keeps
 * them equal). Older Node lacks what the code uses, for example `crc32` of `node:zlib`, with
 * which the demo writes its PNG.
 */
export const MINIMUM_NODE = '20.19.0';

const parts = (version: string): number[] =>
  version
    .replace(/^v/, '')
    .split(/[.-]/)
    .slice(0, 3)
    .map((s) => Number.parseInt(s, 10) || 0);

/** Whether `version` (`20.11.0` or `v20.11.0`) is at least `minimum`. */
export function nodeAtLeast(version: string, minimum: string = MINIMUM_NODE): boolean {
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

const needs = `Switchyard needs Node ${MINIMUM_NODE.replace(/\.0$/, '')} or newer`;

/** What to tell someone running Node `version`, or `undefined` when it is new enough. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  return nodeAtLeast(version) ? undefined : `${needs} (this is v${version.replace(/^v/, '')}).`;
}

/** A command's first step: on a Node that is too old, say which Node it needs and exit with code 1. */
export function exitIfNodeTooOld(
  stderr: { write(s: string): unknown } = process.stderr,
  version: string = process.versions.node,
  exit: (code: number) => never = process.exit,
): void {
  const problem = nodeVersionProblem(version);
  if (problem === undefined) return;
  stderr.write(`${problem}\n`);
  exit(1);
}

/** Thrown where a Node built-in is missing: names the Node the code needs. */
export class NodeTooOldError extends Error {
  override readonly name = 'NodeTooOldError';
  constructor(readonly feature: string) {
    super(`${feature} is missing: ${nodeVersionProblem() ?? `${needs}.`}`);
  }
}
