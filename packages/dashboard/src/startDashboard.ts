import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { registerPoolMetrics } from '@switchyard/core/metrics';
import { Registry } from 'prom-client';
import { type Asset, loadAssets, renderPage } from './assets.js';
import { addressedToLoopback, carriesToken } from './auth.js';
import { EventStream } from './eventStream.js';
import { FleetState } from './fleetState.js';
import { checkOptions, checkTrack, type DashboardOptions } from './options.js';
import type { TrackableOperation } from './trackedOperations.js';

/** Real ms between two reads of the fleet: at most 4 updates a second reach the page. */
export const UPDATE_INTERVAL_MS = 250;
/** Real ms between two keep-alive comments on an idle stream. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/** A running dashboard. */
export interface Dashboard {
  /** The page's address, e.g. `http://127.0.0.1:8080/` (without the token). */
  readonly url: string;
  readonly host: string;
  /** The port it listens on (the one picked, for port 0). */
  readonly port: number;
  /**
   * Follow a bulk operation (`sendTextMessagesBulk`, `resumeCampaign`…): its progress, each
   * session's sent and failed, and an ETA from its `results$`. Call it in the same turn as the
   * operation starts, so no result is missed. `total`: the items in it, for the progress bar.
   * After `close()` it does nothing.
   */
  track(operation: TrackableOperation, info: { readonly name: string; readonly total?: number }): void;
  /** Stop the server, end every stream (after a last update), unsubscribe, clear every timer. */
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * Serve a live, read-only dashboard of `manager`'s fleet: the page on `/`, `/events` (SSE),
 * `/state` (JSON) and `/metrics` (Prometheus). Listens on 127.0.0.1:8080 unless told otherwise;
 * any other address needs a `token`. Throws a `ValidationError` naming the bad option.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const o = checkOptions(options);
  const assets = await loadAssets();
  const state = new FleetState({
    source: o.manager,
    clock: o.clock,
    realClock: Date.now,
    title: o.title,
    fleetSendsPerSecond: o.fleetSendsPerSecond,
  });
  const registry = new Registry();
  const metrics = registerPoolMetrics(o.manager.pool, { registry });
  const streams = new EventStream();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (o.token === undefined ? !addressedToLoopback(req, o.host) : !carriesToken(req, url, o.token))
      return answer(res, 401, 'a token is required: Authorization: Bearer <token>, or ?token=<token>\n', {
        'WWW-Authenticate': 'Bearer realm="switchyard-dashboard"',
      });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return answer(res, 405, 'the dashboard is read-only: GET and HEAD only\n', { Allow: 'GET, HEAD' });
    const head = req.method === 'HEAD';
    switch (url.pathname) {
      case '/':
      case '/index.html': {
        const query = o.token === undefined ? '' : `?token=${encodeURIComponent(o.token)}`;
        return answer(res, 200, renderPage(assets.page, query, o.title), { 'Content-Type': HTML }, head);
      }
      case '/state':
        return answer(res, 200, JSON.stringify(state.snapshot()), { 'Content-Type': JSON_TYPE }, head);
      case '/metrics':
        return void registry.metrics().then(
          (text) => answer(res, 200, text, { 'Content-Type': registry.contentType }, head),
          () => answer(res, 500, 'metrics failed\n'),
        );
      case '/events':
        if (head) return answer(res, 200, '', { 'Content-Type': 'text/event-stream; charset=utf-8' }, true);
        if (!streams.open(res, state.snapshot(), SECURITY_HEADERS))
          answer(res, 503, 'too many open streams\n', { 'Retry-After': '5' });
        return;
      default: {
        const asset: Asset | undefined = assets.files.get(url.pathname);
        if (asset === undefined) return answer(res, 404, 'not found\n');
        return answer(res, 200, asset.body, { 'Content-Type': asset.type }, head);
      }
    }
  };
  const server = createServer(handle);
  server.listen(o.port, o.host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
  } catch (error) {
    state.close();
    metrics.unregister();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const updates = setInterval(() => streams.send(state.sample()), UPDATE_INTERVAL_MS);
  const heartbeats = setInterval(() => streams.heartbeat(), HEARTBEAT_INTERVAL_MS);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host}:${port}/`,
    host: o.host,
    port,
    track(operation, info) {
      checkTrack(operation, info);
      // Closed: nothing would ever unsubscribe it.
      if (closing !== undefined) return;
      state.track(operation, { name: info.name, total: info.total ?? null });
    },
    close() {
      closing ??= (async () => {
        clearInterval(updates);
        clearInterval(heartbeats);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // The pages keep the last numbers: one update with the final counts, then the end.
        streams.close(state.sample());
        server.closeAllConnections();
        await closed;
        state.close();
        metrics.unregister();
      })();
      return closing;
    },
  };
}

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function answer(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
  head = false,
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(head ? undefined : body);
}
