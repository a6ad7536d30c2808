import type { AnyNode, DocumentNode } from '@humanwhocodes/momoa';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A field whose name an object holds twice: where its second name is, and where the first. */
export interface Duplicate {
  readonly path: readonly PropertyKey[];
  readonly at: Position;
  readonly first: Position;
}

/** The first field written twice in the same object, in document order; undefined when none is. */
export function firstDuplicate(doc: DocumentNode): Duplicate | undefined {
  const visit = (node: AnyNode, path: readonly PropertyKey[]): Duplicate | undefined => {
    if (node.type === 'Object') {
      const seen = new Map<string, Position>();
      for (const m of node.members) {
        const name = m.name.type === 'String' ? m.name.value : m.name.name;
        const here = { line: m.name.loc.start.line, column: m.name.loc.start.column };
        const first = seen.get(name);
        if (first !== undefined) return { path: [...path, name], at: here, first };
        seen.set(name, here);
        const inner = visit(m.value, [...path, name]);
        if (inner !== undefined) return inner;
      }
    } else if (node.type === 'Array') {
      for (const [i, e] of node.elements.entries()) {
        const inner = visit(e.value, [...path, i]);
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  };
  return visit(doc.body, []);
}

/**
 * Where the value at `path` is written in a parsed JSON document: the deepest node of the path
 * that exists (a missing field points at the object that lacks it). With `key`, the position of
 * that member's name instead (for an unknown key).
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
    // A name written twice is refused before this is asked (`firstDuplicate`); the last is the one read.
    const member = node.members.findLast(
      (m) => (m.name.type === 'String' ? m.name.value : m.name.name) === step,
    );
    return member === undefined ? undefined : nameOnly ? member.name : member.value;
  }
  if (node.type === 'Array' && typeof step === 'number') return node.elements[step]?.value;
  return undefined;
}
