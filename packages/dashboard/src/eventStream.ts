import type { ServerResponse } from 'node:http';
import type { DashboardDelta, DashboardSnapshot } from './wire.js';

/** At most this many pages watch at once; more get 503, so a runaway tab cannot pile up streams. */
export const MAX_STREAMS = 64;

/**
 * The open `/events` responses (Server-Sent Events): each gets `event: state` with everything,
 * then `event: delta` with what changed, and a comment now and then so proxies keep it open.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();

  get size(): number {
    return this.#clients.size;
  }

  /** Start a stream on `res` with the full state; false when there are already `MAX_STREAMS`. */
  open(res: ServerResponse, state: DashboardSnapshot, headers: Record<string, string>): boolean {
    if (this.#clients.size >= MAX_STREAMS) return false;
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // The page reconnects after 2 s if the stream drops.
    res.write(`retry: 2000\n${frame('state', state)}`);
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
    return true;
  }

  send(delta: DashboardDelta): void {
    if (this.#clients.size === 0) return;
    const text = frame('delta', delta);
    for (const res of this.#clients) res.write(text);
  }

  heartbeat(): void {
    for (const res of this.#clients) res.write(': ping\n\n');
  }

  /** End every stream: a last delta, then `event: end` (the page stops reconnecting). */
  close(last: DashboardDelta): void {
    const text = `${frame('delta', last)}${frame('end', {})}`;
    for (const res of this.#clients) res.end(text);
    this.#clients.clear();
  }
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
