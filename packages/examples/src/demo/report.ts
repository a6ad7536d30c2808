import { duration } from './format.js';
import { DISPLAY_STATES, type Segment, type SessionDisplayState } from './timeline.js';

export interface ReportInput {
  readonly title: string;
  /** Lines such as "12 sessions · strategy least-loaded · seed 1". */
  readonly subtitle: string;
  readonly start: number;
  readonly end: number;
  readonly timelines: ReadonlyMap<string, readonly Segment[]>;
  /** Clock times of successful sends. */
  readonly sentAt: readonly number[];
  /** Key figures, shown as a definition list. */
  readonly figures: readonly (readonly [string, string])[];
  /** Tables, each with a caption. */
  readonly tables: readonly {
    caption: string;
    header: readonly string[];
    rows: readonly (readonly (string | number)[])[];
  }[];
}

const COLOURS: Readonly<Record<SessionDisplayState, string>> = {
  idle: '#a7d7a0',
  sending: '#3a9a5b',
  busy: '#1f5f99',
  backoff: '#f0a33a',
  restricted: '#b04fc2',
  reconnecting: '#e8d44d',
  dead: '#c83a3a',
};

const WIDTH = 1000;
const LABEL = 120;
const ROW = 22;
/** Timeline segments narrower than this (px) carry no tooltip. */
const MIN_TOOLTIP_PX = 4;

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched. */
export function renderReport(input: ReportInput): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(input.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1060px; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.sub { color: #666; margin-top: 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { color: #555; } dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { padding: 0.2rem 0.7rem; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
</style>
</head>
<body>
<h1>${esc(input.title)}</h1>
<p class="sub">${esc(input.subtitle)}</p>
<dl>
${input.figures.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('\n')}
</dl>
<h2>Session state over time</h2>
<p class="legend">${DISPLAY_STATES.map((s) => `<span><i style="background:${COLOURS[s]}"></i>${s}</span>`).join('')}</p>
${timelineSvg(input)}
<h2>Throughput</h2>
${throughputSvg(input)}
${input.tables.map(tableHtml).join('\n')}
</body>
</html>
`;
}

function timeAxis(start: number, end: number, y: number, x0: number, width: number): string {
  const span = Math.max(1, end - start);
  const ticks: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const x = x0 + (width * i) / 5;
    ticks.push(
      `<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" stroke="#999"/>`,
      // The last label ends at the axis end, so it is not cut off at the picture's edge.
      `<text x="${x}" y="${y + 16}" text-anchor="${i === 5 ? 'end' : 'middle'}">${esc(duration((span * i) / 5))}</text>`,
    );
  }
  return `<line x1="${x0}" y1="${y}" x2="${x0 + width}" y2="${y}" stroke="#999"/>${ticks.join('')}`;
}

function timelineSvg(input: ReportInput): string {
  const span = Math.max(1, input.end - input.start);
  const plot = WIDTH - LABEL - 10;
  const x = (t: number) => LABEL + ((t - input.start) / span) * plot;
  const rows: string[] = [];
  let i = 0;
  for (const [name, segments] of input.timelines) {
    const y = 10 + i * ROW;
    const rects = mergeTiny(segments, span / plot)
      .map((s) => {
        const w = Math.max(0.5, x(s.end) - x(s.start));
        const rect = `<rect x="${x(s.start).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${COLOURS[s.state]}"`;
        // A tooltip only where there is room to point at it: the page stays small at any size.
        return w < MIN_TOOLTIP_PX
          ? `${rect}/>`
          : `${rect}><title>${esc(name)}: ${s.state} ${esc(duration(s.start - input.start))}–${esc(duration(s.end - input.start))}</title></rect>`;
      })
      .join('');
    rows.push(
      `<g class="timeline" data-session="${esc(name)}"><text x="0" y="${y + 12}">${esc(name)}</text>${rects}</g>`,
    );
    i++;
  }
  const height = 10 + i * ROW + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Session state timelines">${rows.join('\n')}${timeAxis(input.start, input.end, height - 22, LABEL, plot)}</svg>`;
}

/** Segments shorter than a pixel are folded into their neighbour: the page stays small. */
function mergeTiny(segments: readonly Segment[], minMs: number): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.state === s.state || s.end - s.start < minMs)) last.end = s.end;
    else out.push({ ...s });
  }
  return out;
}

function throughputSvg(input: ReportInput): string {
  const span = Math.max(1, input.end - input.start);
  const buckets = 100;
  const bucketMs = span / buckets;
  const counts = new Array<number>(buckets).fill(0);
  for (const t of input.sentAt) counts[Math.min(buckets - 1, Math.floor((t - input.start) / bucketMs))]!++;
  const rates = counts.map((c) => c / (bucketMs / 1000));
  const max = Math.max(1, ...rates);
  const height = 220;
  const top = 10;
  const plotH = height - 50;
  const plot = WIDTH - LABEL - 10;
  const px = (i: number) => LABEL + (i / buckets) * plot;
  const py = (r: number) => top + plotH - (r / max) * plotH;
  const points = rates.flatMap((r, i) => [
    `${px(i).toFixed(1)},${py(r).toFixed(1)}`,
    `${px(i + 1).toFixed(1)},${py(r).toFixed(1)}`,
  ]);
  const area = `M${LABEL},${top + plotH} L${points.join(' L')} L${LABEL + plot},${top + plotH} Z`;
  const yTicks = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${LABEL - 6}" y="${py(max * f) + 4}" text-anchor="end">${(max * f).toFixed(1)}/s</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="throughput" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Messages sent per second over time"><path d="${area}" fill="#3a9a5b" fill-opacity="0.35" stroke="#2b7a47"/>${yTicks}<text x="0" y="${top + 12}">sent per second</text>${timeAxis(input.start, input.end, top + plotH, LABEL, plot)}</svg>`;
}

function tableHtml(t: ReportInput['tables'][number]): string {
  const head = `<tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="n">${c}</td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>${esc(t.caption)}</caption>${head}\n${body}</table>`;
}
