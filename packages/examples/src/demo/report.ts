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
  /** Sends per second the whole fleet may make (the pool's cap), drawn on the throughput chart. */
  readonly fleetCapPerSecond?: number;
  /** Tasks waiting in the pool over time: `[clock time, depth]` at each change. */
  readonly queueDepth?: readonly (readonly [number, number])[];
  /** Moments to mark on the charts: a session restricted or dead, a node killed… */
  readonly markers?: readonly { readonly at: number; readonly label: string }[];
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
  idle: '#e4e4e4',
  pacing: '#a7d7a0',
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
/** Above this many sessions the timeline's rows are thin. */
const MANY_SESSIONS = 40;
const THIN_ROW = 8;
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
svg { max-width: 100%; height: auto; }
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
${input.timelines.size > MANY_SESSIONS ? statesSvg(input) : ''}
${timelineSvg(input)}
<h2>Throughput</h2>
${throughputSvg(input)}
${input.queueDepth === undefined ? '' : `<h2>Queue depth</h2>\n${queueSvg(input, input.queueDepth)}`}
${input.tables.map(tableHtml).join('\n')}
</body>
</html>
`;
}

/** Round steps for a time axis, in ms: seconds, minutes, hours, days. */
const TIME_STEPS = [
  1,
  2,
  5,
  10,
  15,
  30,
  60,
  120,
  300,
  600,
  900,
  1800,
  3600,
  7200,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86_400,
].map((s) => s * 1000);

/** The smallest round step that puts at most `most` ticks over `span`. */
export function roundStep(span: number, most: number, steps: readonly number[] = TIME_STEPS): number {
  return steps.find((step) => span / step <= most) ?? Math.ceil(span / most);
}

/** The smallest 1, 2 or 5 × 10^k at least `value / most`, so `most` ticks reach `value`. */
export function niceStep(value: number, most: number): number {
  const rough = Math.max(value, 1e-9) / most;
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
}

function timeAxis(start: number, end: number, y: number, x0: number, width: number): string {
  const span = Math.max(1, end - start);
  const step = roundStep(span, 6);
  const ticks: string[] = [];
  for (let t = 0; t <= span; t += step) {
    const x = x0 + (width * t) / span;
    // A label near the axis end ends there, so it is not cut off at the picture's edge.
    const anchor = x > x0 + width - 30 ? 'end' : t === 0 ? 'start' : 'middle';
    ticks.push(
      `<line x1="${x.toFixed(1)}" y1="${y}" x2="${x.toFixed(1)}" y2="${y + 4}" stroke="#999"/>`,
      `<text x="${x.toFixed(1)}" y="${y + 16}" text-anchor="${anchor}">${t === 0 ? '0' : esc(duration(t))}</text>`,
    );
  }
  return `<line x1="${x0}" y1="${y}" x2="${x0 + width}" y2="${y}" stroke="#999"/>${ticks.join('')}`;
}

/** Dashed vertical lines at the markers, each with a tooltip. */
function markerLines(input: ReportInput, top: number, bottom: number, x0: number, width: number): string {
  const span = Math.max(1, input.end - input.start);
  return (input.markers ?? [])
    .filter((m) => m.at >= input.start && m.at <= input.end)
    .map((m) => {
      const x = (x0 + ((m.at - input.start) / span) * width).toFixed(1);
      return `<line class="marker" x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#c83a3a" stroke-dasharray="3 3"><title>${esc(m.label)} at ${esc(duration(m.at - input.start))}</title></line>`;
    })
    .join('');
}

function timelineSvg(input: ReportInput): string {
  const span = Math.max(1, input.end - input.start);
  const plot = WIDTH - LABEL - 10;
  const x = (t: number) => LABEL + ((t - input.start) / span) * plot;
  // Many sessions get thin rows, named every tenth, so the chart stays readable at 200.
  const many = input.timelines.size > MANY_SESSIONS;
  const row = many ? THIN_ROW : ROW;
  const bar = many ? THIN_ROW - 1 : ROW - 6;
  const rows: string[] = [];
  let i = 0;
  for (const [name, segments] of input.timelines) {
    const y = 10 + i * row;
    // Thin rows fold segments under two pixels, so 200 sessions stay a page, not megabytes.
    const merged = mergeTiny(segments, ((many ? 2 : 1) * span) / plot);
    const rects = many
      ? thinRow(merged, x, y, bar)
      : merged
          .map((s) => {
            const w = Math.max(0.5, x(s.end) - x(s.start));
            const rect = `<rect x="${x(s.start).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLOURS[s.state]}"`;
            // A tooltip only where there is room to point at it: the page stays small at any size.
            return w < MIN_TOOLTIP_PX
              ? `${rect}/>`
              : `${rect}><title>${esc(name)}: ${s.state} ${esc(duration(s.start - input.start))}–${esc(duration(s.end - input.start))}</title></rect>`;
          })
          .join('');
    const label = !many || i % 10 === 0 ? `<text x="0" y="${y + (many ? 7 : 12)}">${esc(name)}</text>` : '';
    rows.push(`<g class="timeline" data-session="${esc(name)}">${label}${rects}</g>`);
    i++;
  }
  const bottom = 10 + i * row;
  const height = bottom + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Session state timelines">${rows.join('\n')}${markerLines(input, 6, bottom, LABEL, plot)}${timeAxis(input.start, input.end, height - 22, LABEL, plot)}</svg>`;
}

/**
 * Above `MANY_SESSIONS`, one chart of how many sessions were in each state over time (stacked,
 * averaged over each slice), above the per-session rows: the fleet at a glance.
 */
function statesSvg(input: ReportInput): string {
  const span = Math.max(1, input.end - input.start);
  const sliceMs = span / BUCKETS;
  const share = new Map(DISPLAY_STATES.map((s) => [s, new Array<number>(BUCKETS).fill(0)]));
  for (const segments of input.timelines.values())
    for (const seg of segments) {
      const from = seg.start - input.start;
      const to = seg.end - input.start;
      const slices = share.get(seg.state)!;
      for (let b = Math.floor(from / sliceMs); b < BUCKETS && b * sliceMs < to; b++) {
        const overlap = Math.min(to, (b + 1) * sliceMs) - Math.max(from, b * sliceMs);
        if (overlap > 0) slices[b]! += overlap / sliceMs;
      }
    }
  const { height, top, plotH, plot } = CHART;
  const total = input.timelines.size;
  const py = (n: number) => top + plotH - (n / total) * plotH;
  const px = (i: number) => LABEL + (i / BUCKETS) * plot;
  const below = new Array<number>(BUCKETS).fill(0);
  const bands = DISPLAY_STATES.map((state) => {
    const slices = share.get(state)!;
    const upper = slices.map((n, i) => below[i]! + n);
    const edge = (ys: readonly number[]) =>
      ys.flatMap((y, i) => [
        `${px(i).toFixed(1)},${py(y).toFixed(1)}`,
        `${px(i + 1).toFixed(1)},${py(y).toFixed(1)}`,
      ]);
    const path = `M${edge(upper).join(' L')} L${edge(below).reverse().join(' L')} Z`;
    below.splice(0, BUCKETS, ...upper);
    return slices.some((n) => n > 0)
      ? `<path d="${path}" fill="${COLOURS[state]}"><title>${state}</title></path>`
      : '';
  });
  const step = niceStep(total, 4);
  const ticks: string[] = [];
  for (let n = 0; n <= total; n += step)
    ticks.push(
      `<text x="${LABEL - 6}" y="${(py(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`,
      `<line x1="${LABEL - 4}" y1="${py(n).toFixed(1)}" x2="${LABEL}" y2="${py(n).toFixed(1)}" stroke="#999"/>`,
    );
  return `<svg xmlns="http://www.w3.org/2000/svg" class="states" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Sessions in each state over time">${bands.join('')}${ticks.join('')}<text x="${LABEL}" y="12">sessions in each state (of ${total})</text>${markerLines(input, top, top + plotH, LABEL, plot)}${timeAxis(input.start, input.end, top + plotH, LABEL, plot)}</svg>`;
}

/**
 * One thin row, drawn small: its longest state as one bar under the whole row, then one path
 * per other state holding all of that state's segments. It looks the same as a rectangle per
 * segment at a fraction of the bytes; rows this thin carry no per-segment tooltips.
 */
function thinRow(segments: readonly Segment[], x: (t: number) => number, y: number, bar: number): string {
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (first === undefined || last === undefined) return '';
  const time = new Map<SessionDisplayState, number>();
  for (const s of segments) time.set(s.state, (time.get(s.state) ?? 0) + s.end - s.start);
  const base = [...time].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const paths = new Map<SessionDisplayState, string[]>();
  for (const s of segments) {
    if (s.state === base) continue;
    const w = Math.max(0.5, x(s.end) - x(s.start)).toFixed(1);
    const d = paths.get(s.state) ?? [];
    d.push(`M${x(s.start).toFixed(1)} ${y}h${w}v${bar}h-${w}z`);
    paths.set(s.state, d);
  }
  const under = `<rect x="${x(first.start).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(last.end) - x(first.start)).toFixed(1)}" height="${bar}" fill="${COLOURS[base]}"/>`;
  return (
    under + [...paths].map(([state, d]) => `<path fill="${COLOURS[state]}" d="${d.join('')}"/>`).join('')
  );
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

/** Chart geometry shared by the charts over time: a value axis on the left, time below. */
const CHART = { height: 230, top: 24, plotH: 166, plot: WIDTH - LABEL - 10 } as const;

/** A step chart of `values` (one per equal slice of the campaign), with round value ticks. */
function stepChart(
  input: ReportInput,
  o: {
    readonly cls: string;
    readonly label: string;
    readonly values: readonly number[];
    readonly unit: string;
    readonly colour: string;
    /** A dashed horizontal line: a limit the values should stay under. */
    readonly limit?: { readonly value: number; readonly label: string };
  },
): string {
  const { height, top, plotH, plot } = CHART;
  const highest = Math.max(...o.values, o.limit?.value ?? 0, 0.1);
  // The scale ends on a round value, with a tick at each step of it.
  const step = niceStep(highest, 4);
  const max = Math.ceil(highest / step) * step;
  const n = o.values.length;
  const px = (i: number) => LABEL + (i / n) * plot;
  const py = (r: number) => top + plotH - (r / max) * plotH;
  const points = o.values.flatMap((r, i) => [
    `${px(i).toFixed(1)},${py(r).toFixed(1)}`,
    `${px(i + 1).toFixed(1)},${py(r).toFixed(1)}`,
  ]);
  const area = `M${LABEL},${top + plotH} L${points.join(' L')} L${LABEL + plot},${top + plotH} Z`;
  const yTicks: string[] = [];
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let k = 0; k <= Math.round(max / step); k++) {
    const r = k * step;
    yTicks.push(
      `<line x1="${LABEL - 4}" y1="${py(r).toFixed(1)}" x2="${LABEL + plot}" y2="${py(r).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${LABEL - 6}" y="${(py(r) + 4).toFixed(1)}" text-anchor="end">${r.toFixed(digits)}${o.unit}</text>`,
    );
  }
  const limit =
    o.limit === undefined
      ? ''
      : `<line class="limit" x1="${LABEL}" y1="${py(o.limit.value).toFixed(1)}" x2="${LABEL + plot}" y2="${py(o.limit.value).toFixed(1)}" stroke="#c83a3a" stroke-dasharray="6 4"/><text x="${LABEL + plot}" y="${(py(o.limit.value) - 4).toFixed(1)}" text-anchor="end" fill="#c83a3a">${esc(o.limit.label)}</text>`;
  // The axis label sits above the plot, clear of the tick labels.
  return `<svg xmlns="http://www.w3.org/2000/svg" class="${o.cls}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${esc(o.label)} over time">${yTicks.join('')}<path d="${area}" fill="${o.colour}" fill-opacity="0.35" stroke="${o.colour}"/>${limit}<text x="${LABEL}" y="12">${esc(o.label)}</text>${markerLines(input, top, top + plotH, LABEL, plot)}${timeAxis(input.start, input.end, top + plotH, LABEL, plot)}</svg>`;
}

const BUCKETS = 100;

function throughputSvg(input: ReportInput): string {
  const span = Math.max(1, input.end - input.start);
  const bucketMs = span / BUCKETS;
  const counts = new Array<number>(BUCKETS).fill(0);
  for (const t of input.sentAt) counts[Math.min(BUCKETS - 1, Math.floor((t - input.start) / bucketMs))]!++;
  const cap = input.fleetCapPerSecond;
  return stepChart(input, {
    cls: 'throughput',
    label: 'messages sent per second',
    values: counts.map((c) => c / (bucketMs / 1000)),
    unit: '/s',
    colour: '#2b7a47',
    ...(cap === undefined ? {} : { limit: { value: cap, label: `fleet cap ${cap}/s` } }),
  });
}

/** The deepest the queue was in each slice of the campaign. */
function queueSvg(input: ReportInput, depth: readonly (readonly [number, number])[]): string {
  const span = Math.max(1, input.end - input.start);
  const deepest = new Array<number>(BUCKETS).fill(0);
  const bucketOf = (t: number) =>
    Math.max(0, Math.min(BUCKETS - 1, Math.floor(((t - input.start) / span) * BUCKETS)));
  // Each value holds from its time to the next one's.
  depth.forEach(([at, value], i) => {
    const until = depth[i + 1]?.[0] ?? input.end;
    for (let b = bucketOf(at); b <= bucketOf(until); b++) deepest[b] = Math.max(deepest[b]!, value);
  });
  return stepChart(input, {
    cls: 'queue',
    label: 'tasks waiting in the pool',
    values: deepest,
    unit: '',
    colour: '#1f5f99',
  });
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
