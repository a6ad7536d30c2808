import { VirtualClock } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { LiveView, type SessionRow } from '../src/demo/liveView.js';
import { CampaignProgress } from '../src/demo/progress.js';

/** The text without its terminal escape sequences (ESC [ … letter). */
const ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const strip = (s: string) => s.replace(ESCAPES, '');

function frame(rows: number, sessions: number) {
  let written = '';
  const out = { isTTY: true, columns: 120, rows, write: (s: string) => (written += s) };
  const clock = new VirtualClock(0);
  const names = Array.from({ length: sessions }, (_, i) => `session-${String(i + 1).padStart(3, '0')}`);
  const lines = (): SessionRow[] =>
    names.map((name, i) => ({
      name,
      state: i % 10 === 3 ? 'backoff' : i % 10 === 7 ? 'sending' : 'idle',
      inFlight: i % 10 === 7 ? 2 : 0,
      capacity: 4,
    }));
  const view = new LiveView({ out, tty: true, clock, lines, progress: new CampaignProgress(100, names) });
  view.render();
  return strip(written)
    .split('\n')
    .filter((l) => l !== '');
}

describe('the live view on a terminal', () => {
  it('lists every session when they fit', () => {
    expect(frame(60, 12)).toHaveLength(2 + 12);
  });

  it('fits a terminal with fewer rows than sessions: the busiest sessions, then the rest counted by state', () => {
    const lines = frame(24, 200);
    // 20 sessions are sending, 20 in backoff, 160 idle; 24 rows leave room for 19 sessions.
    expect(lines.length).toBeLessThanOrEqual(24 - 1);
    const sessions = lines.filter((l) => l.startsWith('  session-'));
    expect(sessions).toHaveLength(19);
    expect(sessions.every((l) => l.includes('sending'))).toBe(true);
    expect(lines.at(-1)).toBe('  … 181 more: 160 idle, 20 backoff, 1 sending');
  });
});
