// The dashboard's page: reads /events (Server-Sent Events: one `state`, then `delta`s) and
// draws it. Hand-written, no build step; uPlot (a global from uPlot.iife.min.js) draws the
// charts. Every value goes into the page as text (textContent), never as HTML.
/* global uPlot */

const STATES = ['idle', 'sending', 'busy', 'backoff', 'restricted', 'reconnecting', 'dead', 'refused'];
const MAX_POINTS = 2400;
const MAX_LOG_ITEMS = 300;
/** Thin rows above this many sessions, so 200 still fit on one screen. */
const THIN_ABOVE = 40;

const token = new URLSearchParams(location.search).get('token');
const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);
const css = getComputedStyle(document.documentElement);
const colour = Object.fromEntries(STATES.map((s) => [s, css.getPropertyValue(`--${s}`).trim() || '#888']));

/** The page's copy of the server's state. */
const model = {
  fleetSendsPerSecond: 30,
  at: 0,
  sessions: new Map(),
  transitions: new Map(),
  samples: { t: [], sends: [], cap: [], queued: [], inFlight: [] },
  campaigns: [],
  total: null,
};

// ---------------------------------------------------------------- formatting

function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h} h ${String(m).padStart(2, '0')} min`
    : m > 0
      ? `${m} min ${String(sec).padStart(2, '0')} s`
      : `${sec} s`;
}
const clockText = (ms) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
};
const setText = (el, text) => {
  const t = String(text);
  if (el.textContent !== t) el.textContent = t;
};

// ---------------------------------------------------------------- charts

function chartWidth(el) {
  return Math.max(300, el.clientWidth || 600);
}

function makeChart(el, series, yLabel) {
  const opts = {
    width: chartWidth(el),
    height: 220,
    scales: { x: { time: false } },
    axes: [
      { values: (_u, ticks) => ticks.map((v) => clockText(v * 1000)), label: 'campaign time' },
      { label: yLabel },
    ],
    series: [{ label: 'time', value: (_u, v) => (v === null ? '–' : clockText(v * 1000)) }, ...series],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, [[], ...series.map(() => [])], el);
}

const throughput = makeChart(
  $('throughput'),
  [
    { label: 'sends/s', stroke: '#2563eb', width: 1.5, fill: 'rgba(37,99,235,0.08)' },
    { label: 'fleet cap', stroke: '#dc2626', width: 1.5, dash: [6, 4] },
  ],
  'sends / s',
);
const queue = makeChart(
  $('queue'),
  [
    { label: 'queued', stroke: '#7c3aed', width: 1.5 },
    { label: 'in flight', stroke: '#059669', width: 1.5 },
  ],
  'tasks',
);

function drawCharts() {
  const s = model.samples;
  const xs = s.t.map((t) => t / 1000);
  throughput.setData([xs, s.sends, s.cap]);
  queue.setData([xs, s.queued, s.inFlight]);
}

window.addEventListener('resize', () => {
  throughput.setSize({ width: chartWidth($('throughput')), height: 220 });
  queue.setSize({ width: chartWidth($('queue')), height: 220 });
  timelineDirty = true;
});

// ---------------------------------------------------------------- timeline (a coloured grid)

let timelineDirty = true;

function drawTimeline() {
  const canvas = $('timeline');
  const names = [...model.sessions.keys()];
  const thin = names.length > THIN_ABOVE;
  const rowH = thin ? 3 : 14;
  const gutter = thin ? 70 : 110;
  const width = Math.max(300, canvas.parentElement.clientWidth);
  const height = Math.max(20, names.length * rowH + 18);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.height = `${height}px`;
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const start = model.samples.t[0] ?? model.at;
  const end = Math.max(model.at, start + 1);
  const x = (t) => gutter + ((t - start) / (end - start)) * (width - gutter - 4);
  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'middle';
  names.forEach((name, i) => {
    const y = i * rowH;
    const list = model.transitions.get(name) ?? [];
    for (let k = 0; k < list.length; k++) {
      const from = Math.max(list[k].at, start);
      const to = k + 1 < list.length ? list[k + 1].at : end;
      if (to < start) continue;
      g.fillStyle = colour[list[k].state] ?? '#888';
      g.fillRect(x(from), y, Math.max(1, x(to) - x(from)), rowH - (thin ? 0 : 2));
    }
    // Thin rows are named every tenth.
    if (!thin || i % 10 === 0) {
      g.fillStyle = '#374151';
      g.fillText(name.length > 14 ? `${name.slice(0, 13)}…` : name, 2, y + (thin ? 2 : rowH / 2));
    }
  });
  g.fillStyle = '#6b7280';
  g.fillText(clockText(start), gutter, height - 8);
  const endText = clockText(end);
  g.fillText(endText, width - 4 - g.measureText(endText).width, height - 8);
}

// ---------------------------------------------------------------- tables and log

function row(tbody, key, cells) {
  let tr = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
  if (tr === null) {
    tr = document.createElement('tr');
    tr.dataset.key = key;
    for (let i = 0; i < cells.length; i++) tr.appendChild(document.createElement('td'));
    tbody.appendChild(tr);
  }
  cells.forEach((c, i) => {
    setText(tr.children[i], c);
  });
  return tr;
}

function drawSession(r) {
  const tr = row($('sessions').tBodies[0], r.name, [
    r.name,
    r.state,
    `${r.inFlight}/${r.capacity}`,
    r.sent,
    r.failed,
    r.restricted.join(', '),
  ]);
  tr.dataset.state = r.state;
  const cell = tr.children[1];
  if (cell.dataset.state !== r.state) {
    cell.dataset.state = r.state;
    const dot = document.createElement('span');
    dot.className = `dot s-${r.state}`;
    cell.prepend(dot);
  }
}

function drawCampaigns() {
  const body = $('campaigns').tBodies[0];
  for (const c of model.campaigns)
    row(body, c.name, [
      c.name,
      // Running, but its items wait behind an operation tracked before it.
      c.waiting ? 'waiting' : c.status,
      c.settled,
      c.total ?? '?',
      c.sent,
      c.failed,
      c.skipped,
      c.unknown,
      c.fromJournal,
      c.status === 'running' ? `${duration(c.etaMs)} (${duration(c.etaRealMs)} real)` : '–',
    ]);
  const t = model.total;
  if (t === null) return;
  setText($('settled'), t.settled);
  setText($('total'), t.total ?? '?');
  for (const k of ['sent', 'failed', 'skipped', 'unknown']) setText($(k), t[k]);
  const done = t.status !== 'running' && model.campaigns.length > 0;
  setText($('eta'), done ? 'done' : duration(t.etaMs));
  setText($('eta-real'), done ? 'done' : duration(t.etaRealMs));
  const share = t.total ? Math.min(1, t.settled / t.total) : 0;
  $('bar-fill').style.width = `${(share * 100).toFixed(1)}%`;
  $('bar').setAttribute('aria-valuenow', String(Math.round(share * 100)));
}

function addLog(entries) {
  const list = $('log');
  for (const e of entries) {
    const li = document.createElement('li');
    li.className = `k-${e.kind}`;
    li.dataset.kind = e.kind;
    const time = document.createElement('time');
    time.textContent = `${clockText(e.at)} (${new Date(e.realAt).toLocaleTimeString()})`;
    li.append(time, `${e.session}: ${e.kind} — ${e.detail}`);
    list.prepend(li);
  }
  while (list.children.length > MAX_LOG_ITEMS) list.lastElementChild.remove();
}

// ---------------------------------------------------------------- the model

function addSamples(samples) {
  const s = model.samples;
  for (const p of samples) {
    s.t.push(p.t);
    s.sends.push(p.sendsPerSecond);
    s.cap.push(model.fleetSendsPerSecond);
    s.queued.push(p.queued);
    s.inFlight.push(p.inFlight);
  }
  const extra = s.t.length - MAX_POINTS;
  if (extra > 0) for (const k of Object.keys(s)) s[k].splice(0, extra);
}

function addTransitions(transitions) {
  for (const t of transitions) {
    const list = model.transitions.get(t.session) ?? [];
    model.transitions.set(t.session, list);
    list.push(t);
    if (list.length > 400) list.shift();
  }
}

function apply(update) {
  model.at = update.at;
  for (const r of update.sessions) {
    model.sessions.set(r.name, r);
    drawSession(r);
  }
  model.campaigns = update.campaigns;
  model.total = update.total;
  addSamples(update.samples);
  addTransitions(update.transitions);
  addLog(update.log);
  setText($('clock'), clockText(update.at));
  setText($('session-count'), `(${model.sessions.size})`);
  drawCampaigns();
  drawCharts();
  if (update.transitions.length > 0 || update.samples.length > 0) timelineDirty = true;
}

function reset(state) {
  model.fleetSendsPerSecond = state.fleetSendsPerSecond;
  model.sessions.clear();
  model.transitions.clear();
  for (const k of Object.keys(model.samples)) model.samples[k] = [];
  $('sessions').tBodies[0].replaceChildren();
  $('campaigns').tBodies[0].replaceChildren();
  $('log').replaceChildren();
  document.title = `${state.title} · live dashboard`;
  apply(state);
}

// Redraw the timeline at most twice a second: at 200 sessions it is the costliest part.
setInterval(() => {
  if (!timelineDirty) return;
  timelineDirty = false;
  drawTimeline();
}, 500);

$('legend').replaceChildren(
  ...STATES.map((s) => {
    const li = document.createElement('li');
    const dot = document.createElement('span');
    dot.className = `dot s-${s}`;
    li.append(dot, s);
    return li;
  }),
);

const status = (s, text) => {
  $('status').dataset.status = s;
  setText($('status'), text);
};
const events = new EventSource(`/events${query}`);
events.addEventListener('open', () => status('live', 'live'));
events.addEventListener('state', (e) => reset(JSON.parse(e.data)));
events.addEventListener('delta', (e) => apply(JSON.parse(e.data)));
events.addEventListener('end', () => {
  events.close();
  status('ended', 'ended: the run is over');
});
events.addEventListener('error', () => {
  // The server closed the stream (the run ended): keep the last numbers on screen.
  if (events.readyState === EventSource.CLOSED) status('ended', 'ended');
  else status('reconnecting', 'reconnecting…');
});
