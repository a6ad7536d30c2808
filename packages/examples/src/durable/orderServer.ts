import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an order server saw: every request that arrived, and what it carried out. */
export interface OrderLog {
  /** Requests that arrived, per order id (retries and repeats included). */
  readonly arrivals: Map<string, number>;
  /** Orders carried out, per order id: more than 1 would be a duplicate. */
  readonly placed: Map<string, number>;
}

export interface OrderServers {
  readonly urls: readonly string[];
  readonly log: OrderLog;
  close(): Promise<void>;
}

/**
 * Upstream HTTP servers taking `POST /orders/<id>` with an `Idempotency-Key` header, as payment
 * APIs do: a key seen before is answered with the first answer (200, `repeat: true`) and not
 * carried out again. Like real servers, some requests fail before doing anything (503), and some
 * are carried out but their answer is lost (the connection is cut): the caller cannot know.
 * They share one log, kept in this process, so it outlives the clients that are killed.
 */
export async function startOrderServers(options: {
  readonly count: number;
  readonly seed: number;
  /** Chance that a request is refused with 503 before anything is done. */
  readonly refuse?: number;
  /** Chance that a request is carried out and its answer lost. */
  readonly loseAnswer?: number;
}): Promise<OrderServers> {
  const log: OrderLog = { arrivals: new Map(), placed: new Map() };
  const keys = new Map<string, string>();
  let state = options.seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const servers: Server[] = [];
  for (let i = 0; i < options.count; i++) {
    const server = createServer((req, res) => {
      const match = /^\/orders\/([\w-]{1,100})$/.exec(req.url ?? '');
      const key = req.headers['idempotency-key'];
      if (req.method !== 'POST' || match === null || typeof key !== 'string') {
        res.writeHead(400).end();
        return;
      }
      const id = match[1] as string;
      log.arrivals.set(id, (log.arrivals.get(id) ?? 0) + 1);
      const delay = 2 + Math.floor(random() * 8);
      const roll = random();
      setTimeout(() => {
        const first = keys.get(key);
        if (first !== undefined) {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ order: first, repeat: true }));
          return;
        }
        if (roll < (options.refuse ?? 0)) {
          res.writeHead(503).end();
          return;
        }
        keys.set(key, id);
        log.placed.set(id, (log.placed.get(id) ?? 0) + 1);
        if (roll < (options.refuse ?? 0) + (options.loseAnswer ?? 0)) {
          req.socket.destroy();
          return;
        }
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ order: id, repeat: false }));
      }, delay);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    urls: servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`),
    log,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
