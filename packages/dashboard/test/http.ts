// Plain node:http requests without a keep-alive agent, so that a test's own sockets never
// count as handles left behind.
import { request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request; the whole body. */
export function get(
  url: string,
  options: { readonly method?: string; readonly headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Server-Sent Events read from a stream, as `{ event, data }`. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Open an event stream and read it until `until` says so (or the server ends it); then close
 * it. Comments (`: ping`) and `retry:` lines are kept in `raw`.
 */
export function readEvents(
  url: string,
  until: (events: readonly SseEvent[]) => boolean,
  headers: Record<string, string> = {},
  onEvents: (events: readonly SseEvent[]) => void = () => {},
): Promise<{
  readonly status: number;
  readonly events: SseEvent[];
  readonly raw: string;
  readonly ended: boolean;
}> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let raw = '';
      const events: SseEvent[] = [];
      let done = false;
      const finish = (ended: boolean) => {
        if (done) return;
        done = true;
        resolve({ status: res.statusCode ?? 0, events, raw, ended });
        req.destroy();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        events.length = 0;
        for (const block of raw.split('\n\n').slice(0, -1)) {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data });
        }
        onEvents(events);
        if (res.statusCode !== 200 || until(events)) finish(false);
      });
      res.on('end', () => finish(true));
      res.on('close', () => finish(true));
    });
    req.on('error', reject);
    req.end();
  });
}
