import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether the request carries `token`: `Authorization: Bearer <token>`, or `?token=<token>`
 * (an EventSource cannot set headers). Compared in constant time, on digests so that the
 * length of the token does not show either.
 */
export function carriesToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const given = header ?? url.searchParams.get('token');
  return given !== null && timingSafeEqual(digest(given), digest(token));
}

/**
 * Without a token the dashboard answers only requests addressed to a loopback name: a web page
 * elsewhere that rebinds its DNS name to 127.0.0.1 sends its own name as `Host`, and is refused.
 */
export function addressedToLoopback(req: IncomingMessage, listeningOn: string): boolean {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host) || host === listeningOn;
}
