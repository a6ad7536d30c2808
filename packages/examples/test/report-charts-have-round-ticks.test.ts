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
});
