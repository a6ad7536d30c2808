import { describe, expect, it } from 'vitest';
import { niceStep, renderReport, roundStep } from '../src/demo/report.js';
import type { Segment, SessionDisplayState } from '../src/demo/timeline.js';

describe("the demo report's charts", () => {
  it('step their axes by round amounts', () => {
    expect(roundStep(9.5 * 60_000, 6)).toBe(2 * 60_000);
    expect(roundStep(50_000, 6)).toBe(10_000);
    expect(roundStep(3 * 3_600_000, 6)).toBe(30 * 60_000);
    expect(niceStep(7.3, 4)).toBe(2);
    expect(niceStep(0.3, 4)).toBe(0.1);
    expect(niceStep(45, 4)).toBe(20);
  });

  // 3,000 state changes over 12 sessions, as a 3,000-recipient demo campaign makes (its report
  // measured 228 KB): the page stays under 300 KB.
  it('mark restrictions and kills, and stay small with thousands of state changes', () => {
    const states: SessionDisplayState[] = ['idle', 'sending', 'busy', 'backoff'];
    const timelines = new Map<string, Segment[]>();
    for (let s = 0; s < 12; s++)
      timelines.set(
        `session-${s}`,
        Array.from({ length: 250 }, (_, i) => ({
          state: states[(i + s) % 4]!,
          start: i * 2_400,
          end: (i + 1) * 2_400,
        })),
      );
    const html = renderReport({
      title: 't',
      subtitle: 's',
      start: 0,
      end: 600_000,
      timelines,
      sentAt: Array.from({ length: 3_000 }, (_, i) => i * 200),
      markers: [{ at: 120_000, label: 'session-3 restricted (PEER_FLOOD)' }],
      figures: [],
      tables: [],
    });
    expect(html.length).toBeLessThan(300_000);
    // The marker shows on both charts.
    expect(html.match(/class="marker"/g)).toHaveLength(2);
    expect(html).toContain('session-3 restricted (PEER_FLOOD) at 2m 00s');
    // Round time ticks.
    expect(html).toContain('>2m 00s</text>');
    expect(html).toContain('>10m 00s</text>');
  });

  it('draw the fleet cap on the throughput chart and the queue depth over time', () => {
    const html = renderReport({
      title: 't',
      subtitle: 's',
      start: 0,
      end: 100_000,
      timelines: new Map([['session-1', [{ state: 'pacing', start: 0, end: 100_000 }]]]),
      sentAt: Array.from({ length: 1_000 }, (_, i) => i * 100),
      fleetCapPerSecond: 30,
      queueDepth: [
        [0, 1_000],
        [50_000, 500],
        [100_000, 0],
      ],
      figures: [],
      tables: [],
    });
    expect(html).toMatch(/class="limit"[^>]*\/><text[^>]*>fleet cap 30\/s<\/text>/);
    // 10 sends/s under a cap of 30: the scale reaches the cap, in round steps.
    expect(html).toContain('>30/s</text>');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="queue"');
    expect(html).toContain('>1000</text>');
    expect(html).toContain('tasks waiting in the pool');
    // A few sessions get a row each and no overview.
    expect(html).not.toContain('class="states"');
  });

  it('sum many sessions up by state above their rows', () => {
    const timelines = new Map<string, Segment[]>();
    for (let s = 0; s < 200; s++)
      timelines.set(`session-${s}`, [
        { state: 'sending', start: 0, end: 10_000 },
        { state: s < 50 ? 'restricted' : 'pacing', start: 10_000, end: 20_000 },
      ]);
    const html = renderReport({
      title: 't',
      subtitle: 's',
      start: 0,
      end: 20_000,
      timelines,
      sentAt: [],
      figures: [],
      tables: [],
    });
    const overview = html.slice(
      html.indexOf('class="states"'),
      html.indexOf('</svg>', html.indexOf('class="states"')),
    );
    expect(overview).toContain('sessions in each state (of 200)');
    for (const state of ['sending', 'restricted', 'pacing'])
      expect(overview).toContain(`<title>${state}</title>`);
    expect(overview).not.toContain('<title>dead</title>');
  });

  // 200 sessions with 80 state changes each, as a 200-session, 6,000-recipient demo makes
  // (its report measured 1.76 MB with a rectangle per segment, 332 KB drawn this way).
  it('draw many thin rows as one bar and one path per state, so 200 sessions stay small', () => {
    const timelines = new Map<string, Segment[]>();
    for (let s = 0; s < 200; s++)
      timelines.set(
        `session-${s}`,
        Array.from({ length: 80 }, (_, i) => ({
          state: i % 2 === 0 ? ('idle' as const) : i % 4 === 1 ? ('sending' as const) : ('pacing' as const),
          start: s * 10 + i * 2_500,
          end: s * 10 + (i + 1) * 2_500,
        })),
      );
    const html = renderReport({
      title: 't',
      subtitle: 's',
      start: 0,
      end: 202_000,
      timelines,
      sentAt: [],
      figures: [],
      tables: [],
    });
    expect(html.length).toBeLessThan(400_000);
    const row = html.slice(
      html.indexOf('<g class="timeline" data-session="session-7">'),
      html.indexOf('</g>', html.indexOf('data-session="session-7"')),
    );
    // Idle, the longest state, is one bar under the whole row; sending and pacing are a path
    // each, with one rectangle per segment.
    expect(row.match(/<rect /g)).toHaveLength(1);
    const paths = [...row.matchAll(/<path fill="([^"]+)" d="([^"]+)"\/>/g)];
    expect(paths).toHaveLength(2);
    for (const [, , d] of paths) expect(d!.match(/M/g)).toHaveLength(20);
    expect(row).not.toContain('<title>');
  });
});
