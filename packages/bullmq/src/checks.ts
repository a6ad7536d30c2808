import { ValidationError } from '@switchyard/core';

/** A whole-number option of at least `min`, or its default; a `ValidationError` naming `field` otherwise. */
export function positive(value: number | undefined, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min)
    throw new ValidationError([{ field, reason: `must be a whole number ≥ ${min}` }]);
  return value;
}

/** A string option of 1–`max` characters (a queue name, a batch id, an item key). */
export function name(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new ValidationError([{ field, reason: `must be a string of 1–${max} characters` }]);
  return value;
}
