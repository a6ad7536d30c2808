import { bar, duration } from './format.js';
import type { SessionRow, SessionState } from './sessionRows.js';
import type { Tally } from './tally.js';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

const COLOUR: Readonly<Record<SessionState, string>> = {
  idle: '\x1b[32m',
  sending: '\x1b[36m',
  busy: '\x1b[34m',
  'flood-wait': '\x1b[33m',
  restricted: '\x1b[35m',
  connecting: '\x1b[33m',
  dead: '\x1b[31m',
  refused: '\x1b[2m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/**
 * A run's progress. On a terminal: a bar (settled/total, sent, failed, skipped, unknown, rate,
 * ETA) and a line per session (state, load, sent, failed, flood wait left), redrawn in place
 * five times a second and cut to the terminal's rows. Elsewhere: one plain line every
 * `plainEveryMs`. Rates count this run's results only, not those read from the journal.
 */
export class ProgressView {
  readonly #out: Output;
  readonly #tty: boolean;
  readonly #tally: Tally;
  readonly #rows: () => readonly SessionRow[];
  readonly #label: string;
  readonly #plainEveryMs: number;
  readonly #start = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;
  #drawn = 0;

  constructor(options: {
    out: Output;
    tty: boolean;
    tally: Tally;
    rows: () => readonly SessionRow[];
    /** What the run is, for the headline (`campaign spring-sale`). */
    label: string;
    plainEveryMs?: number;
  }) {
    this.#out = options.out;
    this.#tty = options.tty;
    this.#tally = options.tally;
    this.#rows = options.rows;
    this.#label = options.label;
    this.#plainEveryMs = options.plainEveryMs ?? 5000;
  }

  start(): void {
    if (this.#tty) this.#out.write('\x1b[?25l');
    this.#timer = setInterval(() => this.render(), this.#tty ? 200 : this.#plainEveryMs);
    this.#timer.unref();
    if (this.#tty) this.render();
  }

  /**
   * Stop redrawing and give the terminal its cursor back; draw the last frame unless `final` is
   * false (a run refused before it began).
   */
  stop(final = true): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (final) this.render();
    if (this.#tty) this.#out.write('\x1b[?25h');
  }

  render(): void {
    if (!this.#tty) {
      this.#out.write(`${this.#counts()} · ${this.#timing()}\n`);
      return;
    }
    const lines = [...this.#headline(), ...this.#sessionLines()];
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    this.#out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.#drawn = lines.length;
  }

  #counts(): string {
    const t = this.#tally;
    return `${this.#label}: ${t.settled}/${t.total} settled · sent ${t.sent} · failed ${t.failed} · skipped ${t.skipped} · unknown ${t.unknown}`;
  }

  #timing(): string {
    const t = this.#tally;
    const elapsed = Date.now() - this.#start;
    const thisRun = t.settled - t.fromJournal;
    const rate = elapsed > 0 ? thisRun / (elapsed / 1000) : 0;
    const left = Math.max(0, t.total - t.settled);
    const eta = left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : Number.POSITIVE_INFINITY;
    return `${rate.toFixed(1)}/s · elapsed ${duration(elapsed)} · eta ${duration(eta)}`;
  }

  #headline(): string[] {
    const t = this.#tally;
    const width = Math.max(10, Math.min(40, (this.#out.columns ?? 100) - 70));
    const fraction = t.settled / Math.max(1, t.total);
    return [
      `${bar(fraction, width)} ${(fraction * 100).toFixed(0).padStart(3)}%  ${this.#counts()}`,
      `${DIM}${this.#timing()}${RESET}`,
    ];
  }

  /** A line per session; on a short terminal the busiest ones and a line counting the rest by state. */
  #sessionLines(): string[] {
    const now = Date.now();
    let rows = [...this.#rows()];
    // A terminal that does not say its height (rows 0) gets every line.
    const room = !this.#out.rows ? Number.POSITIVE_INFINITY : this.#out.rows - 4;
    let rest: string | undefined;
    if (rows.length > room) {
      const busy = (r: SessionRow) => r.inFlight * 2 + (r.state === 'idle' ? 0 : 1);
      const shown = [...rows].sort((a, b) => busy(b) - busy(a)).slice(0, Math.max(0, room - 1));
      const hidden = rows.filter((r) => !shown.includes(r));
      const byState = new Map<string, number>();
      for (const r of hidden) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
      rows = shown;
      rest = `  … ${hidden.length} more: ${[...byState].map(([s, n]) => `${n} ${s}`).join(', ')}`;
    }
    const width = Math.max(0, ...rows.map((r) => r.name.length));
    const lines = rows.map((r) => {
      const wait = r.floodWaitUntil === undefined ? '' : ` ${duration(r.floodWaitUntil - now)}`;
      const label = `${r.state}${wait}`.padEnd(18);
      const tally = this.#tally.bySession.get(r.name) ?? { sent: 0, failed: 0 };
      return `  ${r.name.padEnd(width)}  ${COLOUR[r.state]}${label}${RESET} load ${r.inFlight}/${r.capacity}  sent ${String(tally.sent).padStart(5)}  failed ${String(tally.failed).padStart(4)}`;
    });
    return rest === undefined ? lines : [...lines, rest];
  }
}
