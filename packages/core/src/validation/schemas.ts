import { z } from 'zod';
import { ValidationError } from '../errors.js';

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be ${what}` });

const nonNegInt = z.number().int().nonnegative();
const posInt = z.number().int().positive();
const finiteNonNeg = z.number().nonnegative().refine(Number.isFinite, 'must be finite');
const ms = finiteNonNeg;

export const retrySchema = z
  .object({
    retries: nonNegInt.or(z.literal(Number.POSITIVE_INFINITY)),
    minTimeoutMs: ms,
    maxTimeoutMs: z.number().nonnegative(),
    factor: z.number().positive().refine(Number.isFinite, 'must be finite'),
    randomize: z.boolean(),
    maxRateLimitWaitMs: z.number().nonnegative(),
  })
  .partial()
  .strict();

export const ejectionSchema = z.union([
  z.literal(false),
  z
    .object({
      consecutiveFailures: posInt,
      baseEjectionMs: ms,
      maxEjectionMs: ms,
    })
    .partial()
    .strict(),
]);

export const poolOptionsSchema = z
  .object({
    strategy: z
      .object({ name: z.string().min(1), select: fn('a function (task, candidates) => worker') })
      .loose(),
    classify: fn('a function (error, task) => Failure').optional(),
    limits: z.record(z.string().min(1), posInt).optional(),
    retry: retrySchema.optional(),
    ejection: ejectionSchema.optional(),
    clock: z
      .object({ now: fn('a function'), setTimeout: fn('a function'), clearTimeout: fn('a function') })
      .loose()
      .optional(),
    random: fn('a function returning a number in [0, 1)').optional(),
    logger: z
      .object({ child: fn('a function') })
      .loose()
      .optional(),
    latencyWindow: posInt.optional(),
    rates: z
      .record(
        z.string().min(1),
        z
          .object({
            perSecond: z.number().positive().refine(Number.isFinite, 'must be finite'),
            burst: z.number().min(1).refine(Number.isFinite, 'must be finite').optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

const id = z.string().min(1, 'must be a non-empty string').max(256, 'must be at most 256 characters');
const stringList = z.array(z.string().min(1, 'must be non-empty strings'));

export const workerSpecSchema = z
  .object({
    id,
    resource: z.unknown(),
    capacity: posInt.max(1_000_000).optional(),
    capabilities: stringList.optional(),
    weight: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
  })
  .strict();

export const workerUpdateSchema = z
  .object({
    capabilities: stringList.optional(),
    weight: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
    capacity: posInt.max(1_000_000).optional(),
  })
  .strict();

export const taskSpecSchema = z
  .object({
    run: fn('a function ({ worker, resource, signal, attempt }) => Promise'),
    kind: z.string().min(1).max(64).optional(),
    requires: stringList.optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    key: z.string().optional(),
    affinity: stringList.optional(),
    antiAffinity: stringList.optional(),
    signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
    timeoutMs: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
    attemptTimeoutMs: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
    idempotent: z.boolean().optional(),
    pace: z
      .object({ key: z.string().min(1).optional(), intervalMs: finiteNonNeg })
      .strict()
      .optional(),
    retry: retrySchema.optional(),
  })
  .strict();

export const failureSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('transient') }).loose(),
  z
    .object({
      kind: z.literal('rate-limited'),
      retryAfterMs: finiteNonNeg,
      scope: z.enum(['worker', 'task']).optional(),
    })
    .loose(),
  z.object({ kind: z.literal('permanent') }).loose(),
  z.object({ kind: z.literal('worker-fatal') }).loose(),
  z.object({ kind: z.literal('unknown-outcome') }).loose(),
]);

export const closeOptionsSchema = z
  .object({ drain: z.boolean().optional(), timeoutMs: finiteNonNeg.optional() })
  .strict();

/** Parse `value` or throw a `ValidationError` naming each field under `root` and why. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: [root, ...issue.path.map(String)].join('.'),
      reason: describeIssue(issue),
    })),
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}
