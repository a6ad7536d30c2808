import { ValidationError } from '@switchyard/core';
import type { z } from 'zod';

/**
 * Parse with zod and turn its issues into a `ValidationError` that names the field and the
 * reason. An unknown key (a misspelt option, or one of a feature not built yet) is reported
 * under its own name, e.g. `options.delay: unknown option`, so the caller sees which key to fix.
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fieldOf = (path: readonly PropertyKey[]) =>
    [field, ...path.map(String)].filter((p) => p !== '').join('.');
  throw new ValidationError(
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), reason: 'unknown option' }))
        : [{ field: fieldOf(issue.path), reason: issue.message }],
    ),
  );
}
