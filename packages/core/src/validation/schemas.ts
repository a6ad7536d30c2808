import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { LoadEventType } from '../types.js';

/** Every load event type, for checking a strategy's `events`. */
export const LOAD_EVENT_TYPES = [
  'worker-added',
  'worker-removed',
  'worker-updated',
  'worker-state',
  'task-queued',
  'task-assigned',
  'task-succeeded',
  'task-failed',
  'task-cancelled',
  'kind-throttled',
  'ejection-refused',
  'panic-mode',
] as const satisfies readonly LoadEventType[];
// Fails to compile when a LoadEvent type is missing from the list above.
const _allListed: Exclude<LoadEventType, (typeof LOAD_EVENT_TYPES)[number]> extends never ? true : never =
  true;
void _allListed;

export const MAX_CAPACITY = 1_000_000;
export const MAX_PRIORITY = 1_000_000;
export const MAX_LATENCY_WINDOW = 1_000_000;

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

// A refinement, not z.number(): inside the `false | {…}` union a wrong type (NaN included) would
// otherwise be reported on `ejection` rather than on the field itself.
const percent = z
  .any()
  .refine((n) => typeof n === 'number' && n >= 0 && n <= 100, 'must be a number from 0 to 100');

export const ejectionSchema = z.union([
  z.literal(false),
  z
    .object({
      consecutiveFailures: posInt,
      baseEjectionMs: ms,
      maxEjectionMs: ms,
      maxEjectionPercent: percent,
      healthyPanicThreshold: percent,
      panicHysteresisPercent: percent,
    })
    .partial()
    .strict(),
]);

// z.number() refuses Infinity before any refinement could name the maximum, so check by hand.
const capacity = z.custom<number>(
  (n) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CAPACITY,
  {
    message: `must be a whole number from 1 to ${MAX_CAPACITY.toLocaleString('en')} (there is no unbounded capacity)`,
  },
);

export const strategySchema = z
  .object({
    name: z.string().min(1),
    select: fn('a function (task, candidates) => worker'),
    observe: fn('a function (events$) => subscription').optional(),
    events: z
      .array(
        z.enum(LOAD_EVENT_TYPES, { message: `must be load event types (${LOAD_EVENT_TYPES.join(', ')})` }),
      )
      .optional(),
  })
  .loose();

const loggerMethods = ['child', 'error', 'warn', 'info', 'debug'] as const;

export const poolOptionsSchema = z
  .object({
    strategy: strategySchema,
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
      .object(Object.fromEntries(loggerMethods.map((m) => [m, fn(`a function (a pino logger's ${m})`)])))
      .loose()
      .optional(),
    latencyWindow: posInt.max(MAX_LATENCY_WINDOW).optional(),
    attemptTimeoutMs: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
    inspect: z
      .custom<unknown>(
        (v) =>
          typeof v === 'function' ||
          (typeof v === 'object' && v !== null && typeof (v as { next?: unknown }).next === 'function'),
        { message: 'must be a function (inspectionEvent) => void or an observer with next(inspectionEvent)' },
      )
      .optional(),
    rates: z
      .record(
        z.string().min(1),
        z
          .object({
            perSecond: z.number().positive().refine(Number.isFinite, 'must be finite'),
            burst: z.number().min(1).refine(Number.isFinite, 'must be finite').optional(),
            strict: z.boolean().optional(),
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
    capacity: capacity.optional(),
    capabilities: stringList.optional(),
    weight: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
  })
  .strict();

export const workerUpdateSchema = z
  .object({
    capabilities: stringList.optional(),
    weight: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
    capacity: capacity.optional(),
  })
  .strict();

export const taskSpecSchema = z
  .object({
    run: fn('a function ({ worker, resource, signal, attempt }) => Promise'),
    kind: z.string().min(1).max(64).optional(),
    requires: stringList.optional(),
    priority: z.number().int().min(-MAX_PRIORITY).max(MAX_PRIORITY).optional(),
    key: z.string().optional(),
    affinity: stringList.optional(),
    antiAffinity: stringList.optional(),
    pinnedTo: z.string().min(1).optional(),
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
  z.object({ kind: z.literal('transient'), code: z.string().optional() }).loose(),
  z
    .object({
      kind: z.literal('rate-limited'),
      retryAfterMs: finiteNonNeg,
      scope: z.enum(['worker', 'task']).optional(),
      code: z.string().optional(),
    })
    .loose(),
  z.object({ kind: z.literal('permanent'), code: z.string().optional() }).loose(),
  z.object({ kind: z.literal('worker-fatal'), code: z.string().optional() }).loose(),
  z.object({ kind: z.literal('unknown-outcome'), code: z.string().optional() }).loose(),
]);

export const closeOptionsSchema = z
  .object({ drain: z.boolean().optional(), timeoutMs: finiteNonNeg.optional() })
  .strict();

/** A worker id passed to a pool method: a string, or a `ValidationError` (BigInt and objects included). */
export function checkId(id: unknown, field = 'id'): asserts id is string {
  if (typeof id !== 'string') {
    throw new ValidationError([{ field, reason: `must be a worker id string, got ${typeof id}` }]);
  }
}

/** An optional `reason` passed to a pool method. */
export function checkReason(reason: unknown): asserts reason is string | undefined {
  if (reason !== undefined && typeof reason !== 'string') {
    throw new ValidationError([{ field: 'reason', reason: `must be a string, got ${typeof reason}` }]);
  }
}

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
