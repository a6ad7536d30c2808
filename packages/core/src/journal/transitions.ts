import { FINAL_ITEM_STATES, type ItemState, type JsonValue } from './types.js';

/**
 * Why `from → to` is refused, or undefined when it is allowed:
 * - a final state (`done`, `failed`, `skipped`) never changes; writing it again with the same
 *   content is allowed (and changes nothing);
 * - `pending` and `attempting` may move to any state (`attempting → pending` when the attempt is
 *   known not to have left; `attempting → attempting` for a retry);
 * - `unknown` may only become final, or be attempted again on the same worker with the same
 *   attempt data (the retry that reuses the idempotency key).
 */
export function checkItemTransition(from: ItemState, to: ItemState): string | undefined {
  if (FINAL_ITEM_STATES.includes(from.state)) {
    return sameJson(from, to) ? undefined : `${from.state} is final`;
  }
  if (from.state === 'unknown') {
    if (to.state === 'pending') return 'an unknown outcome cannot be sent again as new';
    if (to.state === 'attempting') {
      if (from.worker === undefined || from.attempt === undefined)
        return 'no attempt was recorded, so a retry could not reuse it';
      if (to.worker !== from.worker) return `only its worker ${JSON.stringify(from.worker)} may retry it`;
      if (!sameJson(to.attempt, from.attempt)) return 'a retry must reuse the recorded attempt data';
    }
  }
  return undefined;
}

/** Whether an item state is final. */
export function isFinalItemState(state: ItemState): boolean {
  return FINAL_ITEM_STATES.includes(state.state);
}

/** Structural equality of JSON values (object key order ignored). */
export function sameJson(
  a: JsonValue | ItemState | undefined,
  b: JsonValue | ItemState | undefined,
): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON text with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }) ?? 'undefined'
  );
}
