import type { Clock } from '@switchyard/core';
import type { TelegramSessionManager } from '@switchyard/telegram-adapter';
import { bar, duration } from './format.js';
import type { CampaignProgress } from './progress.js';
import { displayState, type SessionDisplayState } from './timeline.js';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

const COLOURS: Readonly<Record<SessionDisplayState, string>> = {
  idle: '\x1b[32m',
  pacing: '\x1b[2;32m',
  sending: '\x1b[36m',
  busy: '\x1b[34m',
  backoff: '\x1b[33m',
  restricted: '\x1b[35m',
  reconnecting: '\x1b[33m',
  dead: '\x1b[31m',
};
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';

/** A session as the live view shows it. */
export interface SessionRow {
  readonly name: string;
  readonly state: SessionDisplayState;
  /** Campaign clock time its backoff ends, when it is in backoff. */
  readonly backoffUntil?: number | undefined;
  readonly inFlight: number;
  readonly capacity: number;
}

/** What the view lists under its headline: sessions, and headings (a node, say) between them. */
export type ViewLine = SessionRow | string;

/** The rows of a manager's sessions, now. */
export function sessionRows(manager: TelegramSessionManager): SessionRow[] {
  const workers = new Map(manager.pool.snapshot().workers.map((w) => [w.id, w]));
  return manager.sessionNames().map((name) => {
    const w = workers.get(name);
    return {
      name,
      state: displayState(manager, name),
      backoffUntil: w?.backoffUntil,
      inFlight: w?.inFlight ?? 0,
      capacity: w?.capacity ?? 0,
    };
  });
}

/**
 * The campaign as it runs. On a terminal: a progress bar with rate and ETA and a line per
 * session, redrawn in place ten times a second. Elsewhere (CI, a pipe): the same facts as
 * plain lines every `plainEveryMs` of real time. The view runs on real timers; the rates it
 * shows are in campaign time.
 */
export class LiveView {
  readonly #out: Output;
  readonly #tty: boolean;
  readonly #clock: Clock;
  readonly #lines: () => readonly ViewLine[];
  readonly #progress: CampaignProgress;
  readonly #start: number;
  readonly #startReal = performance.now();
  readonly #plainEveryMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #drawnLines = 0;

  constructor(options: {
    out: Output;
    tty: boolean;
    clock: Clock;
    /** The sessions (and headings) to list, read at every redraw. */
    lines: () => readonly ViewLine[];
    progress: CampaignProgress;
    plainEveryMs?: number;
  }) {
    this.#out = options.out;
    this.#tty = options.tty;
    this.#clock = options.clock;
    this.#lines = options.lines;
    this.#progress = options.progress;
    this.#start = options.clock.now();
    this.#plainEveryMs = options.plainEveryMs ?? 2000;
  }

  start(): void {
    if (this.#tty) this.#out.write('\x1b[?25l');
    this.render();
    this.#timer = setInterval(() => this.render(), this.#tty ? 100 : this.#plainEveryMs);
  }

  /** Draw the final state and give the terminal back. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.render();
    if (this.#tty) this.#out.write('\x1b[?25h');
  }

  render(): void {
    const lines = [...this.#headline(), ...this.#sessionLines()];
    if (!this.#tty) {
      this.#out.write(`${lines.join('\n')}\n`);
      return;
    }
    const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A` : '';
    this.#out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.#drawnLines = lines.length;
  }

  #headline(): string[] {
    const p = this.#progress;
    const elapsed = this.#clock.now() - this.#start;
    const rate = elapsed > 0 ? p.done / (elapsed / 1000) : 0;
    const remaining = p.total - p.done;
    const eta = rate > 0 ? (remaining / rate) * 1000 : Number.POSITIVE_INFINITY;
    const wall = performance.now() - this.#startReal;
    const speedup = wall > 0 ? elapsed / wall : 0;
    const counts = `${p.done}/${p.total} · sent ${p.sent} · failed ${p.failed} · skipped ${p.skipped}${p.unknown > 0 ? ` · unknown ${p.unknown}` : ''}`;
    const realEta =
      speedup > 1 && Number.isFinite(eta) && remaining > 0 ? ` (${duration(eta / speedup)} real)` : '';
    const timing = `${rate.toFixed(1)} msg/s · eta ${remaining === 0 ? '0s' : duration(eta)}${realEta} · campaign clock ${duration(elapsed)} (${speedup.toFixed(0)}× real time)`;
    if (!this.#tty) return [`[${duration(wall).padStart(6)}] ${counts} · ${timing}`];
    const width = Math.max(10, Math.min(40, (this.#out.columns ?? 100) - 60));
    const fraction = p.done / Math.max(1, p.total);
    return [
      `${bar(fraction, width)} ${(fraction * 100).toFixed(0).padStart(3)}%  ${counts}`,
      `${DIM}${timing}${RESET}`,
    ];
  }

  /**
   * The lines under the headline. On a terminal with fewer rows than that, the busiest sessions
   * (most in flight, then any not idle) and one line that counts the rest by state, so the frame
   * always fits and redraws in place.
   */
  #sessionLines(): string[] {
    const now = this.#clock.now();
    let lines = this.#lines();
    const room = this.#tty && this.#out.rows !== undefined ? this.#out.rows - 4 : Number.POSITIVE_INFINITY;
    let rest = '';
    if (lines.length > room) {
      const sessions = lines.filter((l): l is SessionRow => typeof l !== 'string');
      const busy = (r: SessionRow) => r.inFlight * 2 + (r.state === 'idle' || r.state === 'pacing' ? 0 : 1);
      const shown = [...sessions].sort((a, b) => busy(b) - busy(a)).slice(0, Math.max(0, room - 1));
      const hidden = sessions.filter((r) => !shown.includes(r));
      const byState = new Map<string, number>();
      for (const r of hidden) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
      lines = shown;
      rest = `  … ${hidden.length} more: ${[...byState].map(([state, n]) => `${n} ${state}`).join(', ')}`;
    }
    const out = lines.map((row) => {
      if (typeof row === 'string') return this.#tty ? `${BOLD}${row}${RESET}` : row;
      const { name, state } = row;
      const countdown =
        state === 'backoff' && row.backoffUntil !== undefined ? ` ${duration(row.backoffUntil - now)}` : '';
      const label = `${state}${countdown}`.padEnd(16);
      const tally = this.#progress.bySession.get(name) ?? { sent: 0, failed: 0 };
      const load = `load ${row.inFlight}/${row.capacity}`;
      const text = `  ${name}  ${label} ${load}  sent ${String(tally.sent).padStart(5)}  failed ${String(tally.failed).padStart(3)}`;
      return this.#tty ? text.replace(label, `${COLOURS[state]}${label}${RESET}`) : text;
    });
    return rest === '' ? out : [...out, rest];
  }
}
