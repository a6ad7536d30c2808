import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** One message Telegram accepted. */
export interface Delivery {
  readonly session: string;
  /** The addressee as Telegram names it: `user:ID`. */
  readonly peer: string;
  /** The recipient's username, lower case. */
  readonly user: string;
  /** The sender's `randomId`: a second send with it from the same session is `RANDOM_ID_DUPLICATE`. */
  readonly randomId: string;
  readonly kind: 'text' | 'media';
  /** Clock time at which Telegram accepted it. */
  readonly at: number;
}

/**
 * Telegram's own record of what it delivered, one JSON line per message, appended
 * synchronously before the sender gets its answer: it outlives a process killed with SIGKILL.
 * It is the simulated Telegram's memory, apart from any journal the sender keeps.
 */
export class DeliveryLog {
  constructor(readonly path: string) {}

  /** The deliveries the file holds (none when it does not exist). */
  read(): Delivery[] {
    if (!existsSync(this.path)) return [];
    const out: Delivery[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as Delivery);
      } catch {
        // A process killed mid-write leaves a partial last line: Telegram never answered that
        // send, and does not remember it.
      }
    }
    return out;
  }

  append(delivery: Delivery): void {
    appendFileSync(this.path, `${JSON.stringify(delivery)}\n`);
  }
}
