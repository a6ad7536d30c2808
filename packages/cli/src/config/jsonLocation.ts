import type { AnyNode, DocumentNode } from '@humanwhocodes/momoa';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Where the value at `path` is written in a parsed JSON document: the deepest node of the path
 * that exists (a missing field points at the object that lacks it; a field written twice, at the
 * last, as JSON readers keep it). With `key`, the position of that member's name instead (for an
 * unknown key).
 */
export function locate(doc: DocumentNode, path: readonly PropertyKey[], key?: string): Position {
  let node: AnyNode = doc.body;
  for (const step of key === undefined ? path : [...path, key]) {
    const next = childOf(node, step, step === key);
    if (next === undefined) break;
    node = next;
  }
  return { line: node.loc.start.line, column: node.loc.start.column };
}

function childOf(node: AnyNode, step: PropertyKey, nameOnly: boolean): AnyNode | undefined {
  if (node.type === 'Object') {
    // A name written twice: the last is the one read, so the one a mistake is in.
    const member = node.members.findLast(
      (m) => (m.name.type === 'String' ? m.name.value : m.name.name) === step,
    );
    return member === undefined ? undefined : nameOnly ? member.name : member.value;
  }
  if (node.type === 'Array' && typeof step === 'number') return node.elements[step]?.value;
  return undefined;
}
