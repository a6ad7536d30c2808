import { ValidationError } from '@switchyard/core';

/**
 * A Redis URL fit for messages and logs: its password (and a username given with it) replaced
 * by `***`. Text that is not a URL is not shown at all, since it may hold a secret.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(a Redis URL that does not parse)';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/** Checks a Redis URL; the message never repeats it, since it may hold a password. */
export function checkRedisUrl(url: unknown, field: string): string {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url))
    throw new ValidationError([
      { field, reason: 'must be a redis:// or rediss:// URL, or an ioredis client' },
    ]);
  try {
    new URL(url);
  } catch {
    throw new ValidationError([{ field, reason: 'is not a well-formed URL' }]);
  }
  return url;
}

/** Where an ioredis client connects, as a URL without its password. */
export function describeClient(options: {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly db?: number | undefined;
  readonly tls?: unknown;
}): string {
  return `${options.tls === undefined ? 'redis' : 'rediss'}://${options.host ?? 'localhost'}:${options.port ?? 6379}/${options.db ?? 0}`;
}
