// txpipe's dashboard: reads the JSON API (/api/…, described at /api/openapi.json) and nothing else,
// every few seconds. Everything it shows is built with textContent: payloads are hostile by nature,
// and no data ever reaches innerHTML. Times are UTC throughout.
import uPlot from '/assets/uplot/uPlot.esm.js';

const REFRESH_MS = 10_000;
const HOUR = 3600;
const LATE_SECONDS = 120;
/** Beyond this many hours the charts keep only the hours with data (no empty slots). */
const MAX_FILLED_HOURS = 20_000;

const COLORS = {
  transactions: '#4c9aff',
  amount: '#3fb950',
  late: '#f0883e',
  ratio: '#d2a8ff',
  p50: '#58a6ff',
  p95: '#e3b341',
  p99: '#f85149',
  axis: '#8b98a5',
  grid: 'rgba(139, 152, 165, 0.15)',
};

const number = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** For the tests and for anyone curious in the console: the charts and how many refreshes went through. */
const state = { charts: {}, refreshes: 0, lastError: null };
window.txpipe = state;

// ---------------------------------------------------------------- DOM helpers (text only)

/** An element with attributes and children; strings become text nodes, never markup. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Characters shown as escapes: controls, invisible and direction-changing characters, U+FFFD (where
 * the ingest replaced invalid UTF-8), lone surrogates. What is left is plain text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ufffd]|\p{Cs}/gu;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function visible(text) {
  return String(text).replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------- time

const floorHour = (sec) => Math.floor(sec / HOUR) * HOUR;
const iso = (sec) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
const utcText = (isoText) => (isoText ? isoText.replace('T', ' ').replace(/(\.\d+)?(Z|[+-]00:?00)$/, '') : '—');

function ago(isoText) {
  if (!isoText) return 'never';
  const s = Math.max(0, (Date.now() - Date.parse(isoText)) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

function seconds(s) {
  if (s === null || s === undefined) return '—';
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

// ---------------------------------------------------------------- the range picker

/** The selected range from the page's address: ?range=24h|7d|all, or ?from=…&to=… (RFC 3339). */
function rangeFromLocation() {
  const q = new URLSearchParams(location.search);
  if (q.has('from') || q.has('to')) return { kind: 'custom', from: q.get('from') || null, to: q.get('to') || null };
  const kind = q.get('range');
  return { kind: kind === '7d' || kind === 'all' ? kind : '24h' };
}

/** [from, to) in epoch seconds (either may be null = open) and the query the API gets. */
function resolveRange(range) {
  const now = Date.now() / 1000;
  if (range.kind === '24h' || range.kind === '7d') {
    const hours = range.kind === '24h' ? 24 : 24 * 7;
    const to = floorHour(now) + HOUR;
    return { from: to - hours * HOUR, to };
  }
  if (range.kind === 'all') return { from: null, to: null };
  const parse = (t) => (t ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`) / 1000 : null);
  return { from: parse(range.from), to: parse(range.to) };
}

function rangeQuery(r) {
  const q = {};
  if (r.from !== null && Number.isFinite(r.from)) q.from = iso(r.from);
  if (r.to !== null && Number.isFinite(r.to)) q.to = iso(r.to);
  return q;
}

const toLocalInput = (t) => (t ? new Date(resolveRange({ kind: 'custom', from: t }).from * 1000).toISOString().slice(0, 16) : '');

function setupRangePicker(onChange) {
  const form = $('#range');
  const custom = $('#custom');
  const show = (range) => {
    for (const input of form.querySelectorAll('input[name=range]')) input.checked = input.value === range.kind;
    custom.hidden = range.kind !== 'custom';
    if (range.kind === 'custom') {
      $('#from').value = toLocalInput(range.from);
      $('#to').value = toLocalInput(range.to);
    }
  };
  show(rangeFromLocation());
  const go = (range) => {
    const q = new URLSearchParams();
    if (range.kind === 'custom') {
      if (range.from) q.set('from', range.from);
      if (range.to) q.set('to', range.to);
    } else if (range.kind !== '24h') q.set('range', range.kind);
    history.replaceState(null, '', `${location.pathname}${q.size ? `?${q}` : ''}`);
    show(range);
    onChange();
  };
  form.addEventListener('change', (e) => {
    if (e.target.name !== 'range') return;
    if (e.target.value === 'custom') {
      // Start from the range on screen, so "custom" begins where the view was.
      const r = resolveRange(rangeFromLocation());
      const now = floorHour(Date.now() / 1000) + HOUR;
      $('#from').value = new Date((r.from ?? now - 24 * HOUR) * 1000).toISOString().slice(0, 16);
      $('#to').value = new Date((r.to ?? now) * 1000).toISOString().slice(0, 16);
      custom.hidden = false;
      return;
    }
    go({ kind: e.target.value });
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const from = $('#from').value;
    const to = $('#to').value;
    go({ kind: 'custom', from: from ? `${from}:00Z` : null, to: to ? `${to}:00Z` : null });
  });
}

// ---------------------------------------------------------------- the API

async function api(path, query = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  const body = await res.text();
  if (!res.ok) {
    let message = body;
    try {
      message = JSON.parse(body).message ?? body;
    } catch {
      // not JSON
    }
    throw new Error(`${url.pathname}: ${res.status} ${message}`);
  }
  return JSON.parse(body);
}

// ---------------------------------------------------------------- charts

/** Hour slots over the range (nulls where an hour has no row), or only the hours with data when that is too many. */
function hourSlots(rows, r) {
  const hours = rows.map((row) => Date.parse(row.event_hour) / 1000);
  let first = r.from ?? hours[0];
  let last = r.to !== null ? r.to - HOUR : hours.at(-1);
  if (hours.length > 0) {
    first = Math.min(first, hours[0]);
    last = Math.max(last, hours.at(-1));
  }
  if (first === undefined || last === undefined || !Number.isFinite(first) || !Number.isFinite(last)) return { xs: [], index: new Map() };
  first = floorHour(first);
  last = floorHour(last);
  if ((last - first) / HOUR + 1 > MAX_FILLED_HOURS) return { xs: hours, index: new Map(hours.map((x, i) => [x, i])) };
  const xs = [];
  for (let x = first; x <= last; x += HOUR) xs.push(x);
  return { xs, index: new Map(xs.map((x, i) => [x, i])) };
}

/** uPlot's aligned data: x = the hour slots, one array per field, null where the hour has no row. */
function aligned(rows, r, fields) {
  const { xs, index } = hourSlots(rows, r);
  const series = fields.map(() => new Array(xs.length).fill(null));
  for (const row of rows) {
    const i = index.get(Date.parse(row.event_hour) / 1000);
    if (i === undefined) continue;
    fields.forEach((f, j) => {
      series[j][i] = f(row);
    });
  }
  return [xs, ...series];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Time ticks on a 24-hour UTC clock, with the date under the first tick of each day. */
function timeTicks(_u, ticks, _axis, _space, incr) {
  let day = null;
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    const date = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    const clock = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const newDay = date !== day;
    day = date;
    if (incr >= 86_400) return date;
    return newDay ? `${clock}\n${date}` : clock;
  });
}

/** Seconds on an axis: short, whole units. */
function secondsTick(s) {
  if (s < 1) return `${+(s * 1000).toPrecision(2)} ms`;
  if (s < 120) return `${+s.toPrecision(2)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${+(s / 3600).toPrecision(2)} h`;
}

const axis = (o = {}) => ({ stroke: COLORS.axis, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid, width: 1 }, ...o });
const bars = uPlot.paths.bars({ size: [0.86, 48], align: 1 });
const fmtCount = (_u, v) => (v === null || v === undefined ? '—' : number.format(v));

const CHARTS = {
  transactions: {
    series: [
      { label: 'transactions', stroke: COLORS.transactions, fill: `${COLORS.transactions}cc`, paths: bars, points: { show: false }, value: fmtCount },
    ],
    axes: [axis({ values: (_u, ticks) => ticks.map((t) => number.format(t)), size: 56 })],
    fields: [(row) => row.total_transactions],
  },
  amount: {
    series: [
      {
        label: 'amount',
        stroke: COLORS.amount,
        fill: `${COLORS.amount}33`,
        width: 2,
        value: (_u, v) => (v === null || v === undefined ? '—' : decimal.format(v)),
      },
    ],
    axes: [axis({ values: (_u, ticks) => ticks.map(compact), size: 56 })],
    fields: [(row) => row.total_amount],
  },
  late: {
    series: [
      { label: 'late', stroke: COLORS.late, fill: `${COLORS.late}cc`, paths: bars, points: { show: false }, value: fmtCount },
      {
        label: 'late ratio',
        scale: '%',
        stroke: COLORS.ratio,
        width: 2,
        value: (_u, v) => (v === null || v === undefined ? '—' : `${v.toFixed(2)} %`),
      },
    ],
    axes: [axis({ size: 48 }), axis({ scale: '%', side: 1, grid: { show: false }, values: (_u, ticks) => ticks.map((t) => `${t}%`), size: 48 })],
    scales: { '%': { range: (_u, _min, max) => [0, Math.max(1, Math.ceil((max ?? 0) * 1.1))] } },
    fields: [(row) => row.late_transactions, (row) => row.late_ratio * 100],
  },
  latency: {
    series: [
      { label: 'p50', stroke: COLORS.p50, width: 2, value: (_u, v) => seconds(v) },
      { label: 'p95', stroke: COLORS.p95, width: 2, value: (_u, v) => seconds(v) },
      { label: 'p99', stroke: COLORS.p99, width: 2, value: (_u, v) => seconds(v) },
    ],
    // A log axis ticks at 1…9 × 10^n: only the powers of ten are labelled, or the labels overlap.
    axes: [axis({ values: (_u, ticks) => ticks.map((v) => (isPowerOfTen(v) ? secondsTick(v) : '')), size: 64 })],
    scales: { y: { distr: 3, log: 10 } },
    // A log scale has no room for zero or below (clocks that disagree): those hours show no point.
    fields: [(row) => positive(row.p50_seconds), (row) => positive(row.p95_seconds), (row) => positive(row.p99_seconds)],
    hooks: { draw: [drawThreshold] },
  },
};

const positive = (v) => (v > 0 ? v : null);
const isPowerOfTen = (v) => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;

function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${decimal.format(v / 1e9)}G`;
  if (a >= 1e6) return `${decimal.format(v / 1e6)}M`;
  if (a >= 1e3) return `${decimal.format(v / 1e3)}k`;
  return decimal.format(v);
}

/** The late threshold across the latency chart, dashed. */
function drawThreshold(u) {
  const y = u.valToPos(LATE_SECONDS, 'y', true);
  if (!Number.isFinite(y) || y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = COLORS.late;
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.beginPath();
  ctx.moveTo(u.bbox.left, y);
  ctx.lineTo(u.bbox.left + u.bbox.width, y);
  ctx.stroke();
  ctx.restore();
}

function chartSize(figure) {
  const width = Math.max(240, $('.plot', figure).clientWidth);
  return { width, height: width < 500 ? 180 : 220 };
}

function drawChart(name, rows, r) {
  const spec = CHARTS[name];
  const figure = $(`figure[data-chart=${name}]`);
  const data = aligned(rows, r, spec.fields);
  figure.dataset.hours = rows.map((row) => row.event_hour).join(',');
  $('.empty', figure).hidden = rows.length > 0;
  // The x axis spans the range asked for (open ends: the data's), a bar filling its hour to the right of its start.
  const xs = data[0];
  const xFrom = r.from ?? xs[0];
  const xTo = r.to ?? (xs.length ? xs.at(-1) + HOUR : undefined);
  const xRange = xFrom !== undefined && xTo !== undefined && Number.isFinite(xFrom) && Number.isFinite(xTo) ? [xFrom, xTo] : null;
  const existing = state.charts[name];
  if (existing && existing.xRangeKey === String(xRange)) {
    existing.setData(data);
    return;
  }
  existing?.destroy();
  const plot = $('.plot', figure);
  const u = new uPlot(
    {
      ...chartSize(figure),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true, ...(xRange ? { range: () => xRange } : {}) },
        ...(spec.scales ?? {}),
      },
      series: [{ label: 'hour (UTC)', value: (_u, v) => (v === null || v === undefined ? '—' : utcText(iso(v)).slice(0, 16)) }, ...spec.series],
      axes: [axis({ space: 56, values: timeTicks }), ...spec.axes],
      hooks: spec.hooks ?? {},
    },
    data,
    plot,
  );
  u.xRangeKey = String(xRange);
  state.charts[name] = u;
}

function resizeCharts() {
  for (const [name, u] of Object.entries(state.charts)) u.setSize(chartSize($(`figure[data-chart=${name}]`)));
}

// ---------------------------------------------------------------- health and panels

function stat(name, value, note, tone) {
  const el = $(`[data-stat=${name}]`);
  $('.value', el).textContent = value;
  if (note !== undefined) $('.note', el).textContent = note;
  el.dataset.tone = tone ?? '';
  return el;
}

function showStatus(s, pace, alerts) {
  $('#source').textContent = `${s.warehouse} · topic ${s.topic.name} (${s.topic.kind}) · ${s.search ?? 'no search index'}`;
  stat(
    'events_per_second',
    pace.events_per_second === null ? '—' : decimal.format(pace.events_per_second),
    pace.window_seconds === null ? 'measuring…' : `ingested, last ${Math.round(pace.window_seconds)} s`,
  );
  stat(
    'lag',
    s.consumer.lag === null ? 'unknown' : number.format(s.consumer.lag),
    s.consumer.note ?? `${s.consumer.partitions.length} partition${s.consumer.partitions.length === 1 ? '' : 's'}`,
    s.consumer.lag === null ? 'bad' : s.consumer.lag > 0 ? 'warn' : '',
  );
  const stale = pace.last_ingest_at && s.consumer.lag > 0 && Date.now() - Date.parse(pace.last_ingest_at) > LATE_SECONDS * 1000;
  stat('last_ingest', ago(pace.last_ingest_at), pace.last_ingest_at ? `${utcText(pace.last_ingest_at)} UTC` : 'no batch yet', stale ? 'bad' : '');
  stat('dead_letters', number.format(s.dead_letters), undefined, s.dead_letters > 0 ? 'warn' : '');
  stat('duplicates', number.format(s.duplicates));
  stat(
    'raw_transactions',
    number.format(s.raw_transactions),
    `raw · ${number.format(s.clean_transactions)} clean · ${number.format(s.hourly_metrics)} hours`,
  );
  const run = s.last_dag_run;
  stat(
    'last_run',
    run ? run.state : 'none yet',
    run ? `${ago(run.started_at)} · ${seconds(run.duration_seconds)}` : 'process_kafka_to_postgres',
    run ? (run.state === 'success' ? 'good' : run.state === 'failed' ? 'bad' : '') : '',
  );
  // The continuous steps of `txpipe run` processes (not DAG runs): how many are active, how fast they step.
  const active = s.continuous.filter((c) => c.active);
  const stepped = active.filter((c) => c.mean_step_seconds !== null);
  const meanStep = stepped.length ? stepped.reduce((sum, c) => sum + c.mean_step_seconds, 0) / stepped.length : null;
  stat(
    'continuous',
    active.length ? `${active.length} active` : 'none',
    active.length
      ? `${number.format(active.reduce((sum, c) => sum + c.steps, 0))} steps · ${meanStep === null ? '—' : seconds(meanStep)} a step`
      : 'metrics follow the DAG schedule',
    active.some((c) => c.errors > 0 && c.last_error) ? 'warn' : active.length ? 'good' : '',
  );
  stat('alerts', number.format(alerts.length), alerts.length ? undefined : 'all clear', alerts.length ? 'bad' : 'good');

  $('#group').textContent = `group ${s.consumer.group}`;
  const rows = s.consumer.partitions.map((p) =>
    h(
      'tr',
      { dataset: { partition: p.partition } },
      h('td', {}, p.partition),
      h('td', { class: 'num' }, p.position),
      h('td', { class: 'num' }, p.end),
      h('td', { class: `num${p.lag > 0 ? ' warn' : ''}` }, number.format(p.lag)),
    ),
  );
  $('#partitions tbody').replaceChildren(...rows);
  const ph = s.pending_hours;
  $('#pending').textContent = `Hours waiting for the next DAG run: transform ${ph.transform}, metrics ${ph.metrics}, index ${ph.index}.`;
}

/** A state as a pill; `label` (default: the state) is what it reads. */
function badge(stateText, label = stateText) {
  return h('span', { class: `badge ${/^[a-z_]+$/.test(stateText) ? stateText : ''}` }, label);
}

function showRuns(runs) {
  const panel = $('#runs');
  $('.empty', panel).hidden = runs.length > 0;
  const rows = runs.map((r) =>
    h(
      'tr',
      { dataset: { runId: r.run_id, state: r.state } },
      h(
        'td',
        { class: 'mono', 'data-label': 'run' },
        r.run_id,
        h('div', { class: 'note' }, `${r.run_type}${r.full_refresh ? ' · full refresh' : ''}`),
      ),
      h('td', { 'data-label': 'state' }, badge(r.state), r.error ? h('div', { class: 'error' }, visible(r.error)) : null),
      h('td', { class: 'nowrap', 'data-label': 'started' }, utcText(r.started_at)),
      h('td', { class: 'num', 'data-label': 'duration' }, seconds(r.duration_seconds)),
      h(
        'td',
        { class: 'tasks', 'data-label': 'tasks' },
        r.tasks.map((t) =>
          h(
            'span',
            {
              class: `task ${/^[a-z_]+$/.test(t.state) ? t.state : ''}`,
              dataset: { task: t.task_id, state: t.state },
              title: t.error ? visible(t.error) : t.state,
            },
            h('span', { class: 'task-name' }, t.task_id),
            ` ${t.state} · ${seconds(t.duration_seconds)}${t.try_number > 1 ? ` · try ${t.try_number}` : ''}`,
          ),
        ),
      ),
    ),
  );
  $('#runs tbody').replaceChildren(...rows);
}

const openLetters = new Set();

function showDeadLetters(letters) {
  const panel = $('#dead-letters');
  $('.empty', panel).hidden = letters.length > 0;
  const rows = letters.map((d) => {
    const preview = h('code', { class: 'payload' }, visible(d.payload_preview), d.payload_truncated ? '…' : '');
    const details = h('details', { dataset: { id: d.id } }, h('summary', {}, preview, h('span', { class: 'note' }, ` ${payloadNote(d)}`)));
    details.addEventListener('toggle', () => {
      if (details.open) {
        openLetters.add(d.id);
        void loadWhole(details, d);
      } else openLetters.delete(d.id);
    });
    if (openLetters.has(d.id)) {
      details.open = true;
      void loadWhole(details, d);
    }
    return h(
      'tr',
      { dataset: { id: d.id } },
      h('td', { class: 'mono nowrap', 'data-label': 'id' }, visible(d.id)),
      h('td', { class: 'nowrap', 'data-label': 'received' }, utcText(d.received_at)),
      h('td', { class: 'reason', 'data-label': 'reason' }, visible(d.reason)),
      h('td', { class: 'payload-cell', 'data-label': 'payload' }, details),
    );
  });
  $('#dead-letters tbody').replaceChildren(...rows);
}

/** The size, and how the payload is shown: escaped when it is not UTF-8, only its start when it was too large. */
function payloadNote(d) {
  const notes = [`${number.format(d.payload_bytes)} bytes`];
  if (d.payload_encoding === 'escaped') notes.push('not UTF-8, shown with \\xNN escapes');
  if (d.payload_kept_bytes < d.payload_bytes) notes.push(`first ${number.format(d.payload_kept_bytes)} bytes kept`);
  return notes.join(', ');
}

async function loadWhole(details, d) {
  if ($('pre', details)) return;
  const pre = h('pre', { class: 'payload whole' }, 'loading…');
  details.append(pre);
  try {
    const path = `/api/dead-letters/${[d.topic, d.partition, d.offset].map((p) => encodeURIComponent(String(p))).join('/')}`;
    const letter = await api(path);
    pre.textContent = visible(letter.payload);
  } catch (err) {
    pre.textContent = `could not load the payload: ${err.message}`;
  }
}

function showAlerts(alerts) {
  const panel = $('#alerts');
  $('.empty', panel).hidden = alerts.length > 0;
  $('.alerts', panel).replaceChildren(
    ...alerts.map((a) =>
      h(
        'li',
        { dataset: { rule: a.rule, key: a.key } },
        h('strong', {}, visible(a.rule)),
        ' ',
        visible(a.message),
        h('div', { class: 'note' }, `open since ${utcText(a.fired_at)} UTC (${ago(a.fired_at)})`),
      ),
    ),
  );
}

/** The latest run of the data-quality checks: one row per check, the failing ones first. */
function showQuality(results) {
  const panel = $('#quality');
  $('.empty', panel).hidden = results.length > 0;
  $('.held', panel).hidden = !results.some((r) => r.status === 'fail');
  $('#quality-run').textContent = results.length
    ? `run ${visible(results[0].run_id)} · ${results[0].hours} hour(s) · ${utcText(results[0].checked_at)} UTC`
    : '';
  const order = { fail: 0, warn: 1, pass: 2 };
  const rows = [...results]
    .sort((a, b) => order[a.status] - order[b.status])
    .map((r) =>
      h(
        'tr',
        { dataset: { check: r.name, status: r.status } },
        h('td', { class: 'mono' }, visible(r.name), r.detail ? h('div', { class: 'note' }, visible(r.detail)) : null),
        h(
          'td',
          {},
          badge(r.status === 'pass' ? 'success' : r.status === 'fail' ? 'failed' : 'skipped', r.status),
          h('div', { class: 'note' }, visible(r.severity)),
        ),
        h('td', { class: 'num' }, r.observed === null ? '–' : compact(r.observed)),
        h('td', {}, visible(r.threshold)),
      ),
    );
  $('#quality tbody').replaceChildren(...rows);
}

// ---------------------------------------------------------------- refresh loop

/** Panels whose data did not change are left alone (an opened payload stays open). */
const shown = {};
function changed(key, value) {
  const text = JSON.stringify(value);
  if (shown[key] === text) return false;
  shown[key] = text;
  return true;
}

let timer;
let running = false;

async function refresh() {
  clearTimeout(timer);
  if (running) return;
  running = true;
  const r = resolveRange(rangeFromLocation());
  const q = rangeQuery(r);
  const calls = {
    status: api('/api/status'),
    pace: api('/api/ingest'),
    metrics: api('/api/hourly-metrics', q),
    latency: api('/api/hourly-latency', q),
    runs: api('/api/runs', { limit: 10 }),
    deadLetters: api('/api/dead-letters', { limit: 12 }),
    alerts: api('/api/alerts', { state: 'open' }),
    quality: api('/api/quality'),
  };
  const names = Object.keys(calls);
  const results = await Promise.allSettled(Object.values(calls));
  const got = {};
  const problems = [];
  results.forEach((res, i) => {
    if (res.status === 'fulfilled') got[names[i]] = res.value;
    else problems.push(res.reason.message);
  });
  try {
    if (got.status && got.pace && got.alerts) showStatus(got.status, got.pace, got.alerts);
    if (got.metrics) {
      drawChart('transactions', got.metrics, r);
      drawChart('amount', got.metrics, r);
      drawChart('late', got.metrics, r);
    }
    if (got.latency) drawChart('latency', got.latency, r);
    if (got.runs && changed('runs', got.runs)) showRuns(got.runs);
    if (got.deadLetters && changed('deadLetters', got.deadLetters)) showDeadLetters(got.deadLetters);
    if (got.alerts && changed('alerts', got.alerts)) showAlerts(got.alerts);
    if (got.quality && changed('quality', got.quality)) showQuality(got.quality);
  } catch (err) {
    problems.push(err.message);
  }
  const problem = $('#problem');
  problem.hidden = problems.length === 0;
  problem.textContent = problems.length ? `Could not load everything (retrying every ${REFRESH_MS / 1000} s): ${problems.join('; ')}` : '';
  state.lastError = problems[0] ?? null;
  if (problems.length === 0) {
    state.refreshes++;
    document.body.dataset.refreshes = String(state.refreshes);
  }
  $('#updated').textContent =
    `${problems.length ? 'partly updated' : 'updated'} ${new Date().toISOString().slice(11, 19)} UTC · every ${REFRESH_MS / 1000} s`;
  running = false;
  schedule();
}

function schedule() {
  clearTimeout(timer);
  if (!document.hidden) timer = setTimeout(refresh, REFRESH_MS);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh();
  else clearTimeout(timer);
});

let resizeFrame = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(resizeCharts);
}).observe($('.charts'));

setupRangePicker(() => {
  for (const k of Object.keys(shown)) delete shown[k];
  void refresh();
});
void refresh();
