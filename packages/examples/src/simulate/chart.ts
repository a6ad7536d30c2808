import type { SimResult } from '@switchyard/strategies/simulator';

const WIDTH = 900;
const LABEL = 170;
const BAR = 16;
const GAP = 6;
const SERIES = [
  { key: 'p999', label: 'p99.9', colour: '#c6dbef' },
  { key: 'p99', label: 'p99', colour: '#6baed6' },
  { key: 'p50', label: 'p50', colour: '#08519c' },
] as const;

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

/**
 * Latency percentiles by strategy, one panel per scenario: for each strategy, p99.9, p99 and
 * p50 drawn over each other on a log scale (the shorter the bars, the better).
 */
export function percentileChart(results: readonly SimResult[], title: string): string {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const parts: string[] = [];
  let y = 70; // below the title and the legend
  for (const scenario of scenarios) {
    const rows = results.filter((r) => r.scenario === scenario);
    const values = rows.flatMap((r) => [r.p50, r.p99, r.p999]).filter((v) => v > 0);
    const lo = Math.max(1, Math.min(...values) / 2);
    const hi = Math.max(...values) * 1.1;
    // Leave room right of the longest bar for its "p50 / p99 / p99.9" label.
    const plot = WIDTH - LABEL - 180;
    const x = (v: number) => LABEL + (Math.log(Math.max(v, lo) / lo) / Math.log(hi / lo)) * plot;
    const panel: string[] = [`<text x="0" y="${y}" class="h">${esc(scenario)}</text>`];
    y += 10;
    for (const r of rows) {
      panel.push(`<text x="${LABEL - 8}" y="${y + BAR - 4}" text-anchor="end">${esc(r.strategy)}</text>`);
      for (const s of SERIES) {
        const v = r[s.key];
        panel.push(
          `<rect x="${LABEL}" y="${y}" width="${(x(v) - LABEL).toFixed(1)}" height="${BAR}" fill="${s.colour}"><title>${esc(scenario)} · ${esc(r.strategy)} · ${s.label} ${ms(v)}</title></rect>`,
        );
      }
      panel.push(
        `<text x="${(x(r.p999) + 4).toFixed(1)}" y="${y + BAR - 4}" class="v">${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.p999)}</text>`,
      );
      y += BAR + GAP;
    }
    parts.push(`<g class="scenario" data-scenario="${esc(scenario)}">${panel.join('')}</g>`);
    y += 30;
  }
  const legend = SERIES.map(
    (s, i) =>
      `<rect x="${i * 90}" y="34" width="12" height="12" fill="${s.colour}"/><text x="${i * 90 + 16}" y="44">${s.label}</text>`,
  ).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${esc(title)}">
<title>${esc(title)}</title>
<style>.h { font-size: 13px; font-weight: 600; } .v { fill: #555; } text { fill: #222; }</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="0" y="22" class="h">${esc(title)}</text>${legend}
${parts.join('\n')}
</svg>
`;
}
