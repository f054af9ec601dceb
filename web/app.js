// The playground's page: loads the scenarios bundle (scenarios.json, resolved at build
// time), drives the engine in a worker (worker.js -> smartpower.wasm) and draws the
// results with the report's charts (charts.js: Observable Plot). Every slider sets one dotted path of the scenario, the way
// `--set PATH=VALUE` does on the command line; each change reruns the ensemble.

const $ = (id) => document.getElementById(id);

// ---- The engine, in a worker: one call at a time, answers matched by id.
const worker = new Worker('worker.js');
const pending = new Map();
let lastId = 0;
worker.onmessage = (e) => {
  pending.get(e.data.id)(e.data);
  pending.delete(e.data.id);
};
function call(fn, ...args) {
  return new Promise((resolve) => {
    const id = ++lastId;
    pending.set(id, resolve);
    worker.postMessage({ id, fn, args });
  });
}

// ---- State.
const state = {
  scenarios: [],
  toml: '',      // the scenario text being run (the bundle's, or the editor's when valid)
  info: null,    // validate() of it: actors, levers, lenses, noise
  sets: {},      // dotted path -> value, from the sliders the user moved
  running: false,
  again: false,  // a change came while running: run once more when done
  runsDone: 0,
  last: null,    // the last simulate() result
};
window.playground = state;  // for the browser test and the curious

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

// ---- Sliders.
function setOutput(id, v) {
  $(id + '-out').textContent = fmt(Number(v));
}

function leverId() { return $('lever').value; }
function actorId() { return $('actor').value; }

function syncSliders() {
  const info = state.info;
  if (!info) return;
  const lever = info.levers.find((l) => l.id === leverId()) || info.levers[0];
  const lpath = `levers.${lever.id}.weight`;
  $('lever-weight').setAttribute('aria-label', `weight of the ${lever.id} lever`);
  $('lever-weight').value = state.sets[lpath] ?? lever.weight;
  setOutput('lever-weight', $('lever-weight').value);
  const actor = info.actors.find((a) => a.id === actorId()) || info.actors[0];
  const apath = `actors.${actor.id}.budget`;
  const budget = state.sets[apath] ?? actor.budget;
  $('actor-budget').setAttribute('aria-label', `budget of ${actor.name}`);
  $('actor-budget').max = Math.max(10, 2 * actor.budget).toFixed(2);
  $('actor-budget').value = budget;
  setOutput('actor-budget', budget);
  $('noise').value = state.sets['model.noise'] ?? info.noise;
  setOutput('noise', $('noise').value);
  for (const input of $('move-sliders').querySelectorAll('input[type=range]')) {
    input.value = state.sets[input.dataset.path] ?? input.dataset.initial;
    showMoveValue(input);
  }
}

// ---- The moves' sliders: per move its strength (scale, which multiplies the actor's own
// effort on the lever, or effort, added per year, whichever the move sets) and its window
// (from, to). A `to` at the slider's end means "to the scenario's end".
const STEP_YEARS = 0.25;
function showMoveValue(input) {
  const v = Number(input.value);
  $(input.id + '-out').textContent = input.dataset.kind === 'to' && v > Number(input.dataset.end) ? 'end'
    : input.dataset.kind === 'from' || input.dataset.kind === 'to' ? fmtYear(v) : fmt(v);
}

function buildMoveSliders(info) {
  const box = $('move-sliders');
  box.replaceChildren();
  $('moves').hidden = !info.moves.length;
  for (const m of info.moves) {
    const group = document.createElement('div');
    group.className = 'move';
    const title = document.createElement('p');
    title.className = 'move-title';
    title.textContent = `${m.label} (${m.actor} → ${m.target}, ${m.lever})`;
    group.appendChild(title);
    const strength = m.effort !== 0 ? 'effort' : 'scale';
    const sliders = [
      [strength, strength === 'scale' ? 'strength: scale of the actor\'s effort' : 'strength: effort added per year',
        m[strength], 0, Math.max(strength === 'scale' ? 3 : 1, 2 * Math.abs(m[strength])), strength === 'scale' ? 0.005 : 0.01],
      ['from', 'from (year)', m.from, info.start, info.end - STEP_YEARS, STEP_YEARS],
      ['to', 'to (year)', m.to ?? info.end + STEP_YEARS, info.start + STEP_YEARS, info.end + STEP_YEARS, STEP_YEARS],
    ];
    for (const [kind, text, value, min, max, step] of sliders) {
      const id = `move-${m.index}-${kind}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = `${text} `;
      const input = Object.assign(document.createElement('input'), { type: 'range', id, min, max, step });
      input.value = value;
      Object.assign(input.dataset, { path: `moves.${m.index}.${kind}`, kind, initial: value, end: info.end, move: m.index });
      const out = Object.assign(document.createElement('output'), { id: id + '-out' });
      out.htmlFor = id;
      label.append(input, out);
      group.appendChild(label);
      input.addEventListener('input', () => {
        const v = Number(input.value);
        state.sets[input.dataset.path] = v;
        // Keep the window non-empty: from before to.
        const other = $(`move-${m.index}-${kind === 'from' ? 'to' : 'from'}`);
        if (kind === 'from' && Number(other.value) <= v) { other.value = v + STEP_YEARS; state.sets[other.dataset.path] = v + STEP_YEARS; }
        if (kind === 'to' && Number(other.value) >= v) { other.value = v - STEP_YEARS; state.sets[other.dataset.path] = v - STEP_YEARS; }
        showMoveValue(input);
        showMoveValue(other);
        rerun();
      });
    }
    box.appendChild(group);
  }
}

// A what-if's base: the bundled scenario it extends (its text as shipped), or none.
function baseToml() {
  const sc = state.scenarios[Number($('scenario').value)];
  const base = sc && sc.base && state.scenarios.find((o) => o.id === sc.base);
  return base ? base.toml : '';
}

function fillSelect(sel, items, keep) {
  const old = sel.value;
  sel.replaceChildren(...items.map(([value, label]) => new Option(label, value)));
  if (keep && items.some(([v]) => v === old)) sel.value = old;
}

function applyInfo(info) {
  state.info = info;
  fillSelect($('lever'), info.levers.map((l) => [l.id, `${l.id} (${l.kind})`]), true);
  fillSelect($('actor'), info.actors.map((a) => [a.id, a.name]), true);
  fillSelect($('focus'), info.actors.map((a) => [a.id, a.name]), true);
  fillSelect($('lens'), [['', 'none'], ...info.lenses.map((l) => [l, l])], true);
  buildMoveSliders(info);
  if (!$('actor').value || !info.actors.some((a) => a.id === $('actor').value)) $('actor').value = info.actors[0].id;
  if (!$('lever').value) $('lever').value = info.levers[0].id;
  // Türkiye's budget and the culture lever first: the question the issue asks.
  syncSliders();
}

// ---- Runs.
async function rerun() {
  if (state.running) {
    state.again = true;
    return;
  }
  state.running = true;
  do {
    state.again = false;
    const runs = Number($('runs').value);
    const seed = Number($('seed').value) || 0;
    $('status').textContent = `Running ${runs} runs…`;
    const base = baseToml();
    const t0 = performance.now();
    const { result, ms } = await call('simulate', state.toml, seed, runs, $('lens').value, JSON.stringify(state.sets),
      $('focus').value, base);
    if (!result.ok) {
      $('status').textContent = 'Could not run: ' + result.messages.map((m) => m.message).join('; ');
      continue;
    }
    state.last = result;
    state.runsDone += 1;
    const t1 = performance.now();
    draw(result);
    // The engine's time in the worker, and the whole rerun as the student waits for it
    // (to the worker and back, and the charts drawn).
    state.lastMs = ms;
    state.lastWallMs = performance.now() - t0;
    state.lastDrawMs = performance.now() - t1;
    $('status').textContent = `${runs} runs${base ? ' of the what-if and of its base' : ''} in ${ms.toFixed(0)} ms ` +
      `(WebAssembly, one thread), seed ${seed}; charts drawn in ${state.lastDrawMs.toFixed(0)} ms.`;
    document.body.dataset.runs = String(state.runsDone);
  } while (state.again);
  state.running = false;
}

// ---- Charts: drawn by web/charts.js, the report's own module (Observable Plot, SVG), from
// panels in the report's JSON format (docs/report.md) built here from the engine's bands.
// Each chart's caption (key figures), its aria-description and its values table are its
// text alternatives.
const Charts = window.SmartpowerCharts;
// The report's colours (engine/report.cpp): Okabe-Ito, partners in the scenario's order.
const PARTNER_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999'];

// A time panel of several quantities, each drawn as its median with its 5-95 % band.
function bandPanel(id, times, groups, opts) {
  const last = times.length - 1;
  let [y0, y1] = opts.range || [Infinity, -Infinity];
  if (!opts.range) {
    for (const g of groups) {
      for (let t = 0; t <= last; ++t) { y0 = Math.min(y0, g.p5[t]); y1 = Math.max(y1, g.p95[t]); }
    }
    [y0, y1] = Charts.niceRange(y0, y1);
  }
  const multi = groups.length > 1, percent = !!opts.pct, digits = opts.digits || 3;
  const clamp = (v) => Math.min(y1, Math.max(y0, v));
  return {
    type: 'time', id, ylabel: opts.ylabel, width: 860, height: 280, right: multi ? 104 : 24,
    t0: times[0], t1: times[last], y0, y1, percent, zero: y0 < 0 && y1 > 0,
    areas: groups.map((g) => ({ t: times, lo: g.p5, hi: g.p95, color: g.color, opacity: 0.2 })),
    lines: groups.map((g) => ({ name: g.label, t: times, v: g.p50, color: g.color, width: 2.4 })),
    points: [],
    windows: (opts.windows || []).filter((w) => w.to > times[0] && w.from < times[last])
      .map((w) => ({ ...w, from: Math.max(w.from, times[0]), to: Math.min(w.to, times[last]) })),
    labels: multi ? groups.map((g) => ({ v: clamp(g.p50[last]), text: g.label, color: g.color })) : [],
    events: opts.events && opts.events.length ? 'ticks' : undefined, focusMarks: false,
    hover: { t: times, series: groups.flatMap((g) => [
      { name: multi ? `${g.label} median` : 'median', color: g.color, percent, digits, v: g.p50 },
      { name: multi ? `${g.label} 5 %` : '5 %', color: g.color, percent, digits, v: g.p5 },
      { name: multi ? `${g.label} 95 %` : '95 %', color: g.color, percent, digits, v: g.p95 }]) },
  };
}

// Draws a panel into its figure's box: legend, chart (labelled by the figure's caption),
// the chart in words (hidden) and its values as a table (kept open if it was).
function drawPanel(id, panel, groups, windows, events) {
  const box = $(id);
  const open = !!box.querySelector('details.values[open]');
  const items = groups.map((g) => ({ kind: 'band', color: g.color,
    label: groups.length > 1 ? g.label : `${g.label}: median and 5–95 % of runs` }));
  if (panel.windows.length) items.push({ kind: 'window', label: windows });
  if (panel.events) items.push({ kind: 'tick', color: '#8C8C8C', label: 'events (hover)' });
  const svg = Charts.timePanel(panel, 0, events);
  svg.setAttribute('aria-labelledby', id + '-caption');
  const words = Object.assign(document.createElement('p'), { className: 'sr-only', textContent: Charts.describe(panel) });
  const values = Charts.table(panel);
  values.open = open;
  box.replaceChildren(Charts.legend(items), svg, words, values);
}

// The short sentence a chart's caption ends with: each group's median [5 %, 95 %] at the
// last instant (and at the first, for a single quantity), the chart's text alternative.
function keyFigures(times, groups, pct) {
  const f = (v) => (pct ? `${(100 * v).toFixed(1)} %` : fmt(v));
  const last = times.length - 1;
  const at = (g, t) => `${f(g.p50[t])} [${f(g.p5[t])}, ${f(g.p95[t])}]`;
  if (groups.length === 1) {
    return `${groups[0].label}: ${at(groups[0], 0)} in ${fmtYear(times[0])}, ${at(groups[0], last)} in ${fmtYear(times[last])}` +
      ' (median [5 %, 95 %]).';
  }
  return `In ${fmtYear(times[last])}: ` + groups.map((g) => `${g.label} ${at(g, last)}`).join(', ') + ' (median [5 %, 95 %]).';
}
const fmtYear = (t) => (Number.isInteger(t) ? String(t) : t.toFixed(2));

// One figure: its chart, and its caption = title + key figures (the text alternative).
function figure(id, title, times, groups, opts = {}) {
  const fig = $(id).closest('figure');
  fig.hidden = groups.length === 0;
  if (!groups.length) return;
  drawPanel(id, bandPanel(id, times, groups, opts), groups, 'move active', opts.events);
  $(id + '-caption').textContent = `${title} ${keyFigures(times, groups, opts.pct)}`;
}

const metricNames = {
  dependence: 'dependence share', soft: 'soft power', hard: 'hard power', smart: 'smart power',
  alignment: 'alignment', threat: 'threat perceived',
};

function draw(r) {
  const actorName = (id) => (state.info.actors.find((a) => a.id === id) || { name: id }).name;
  const who = actorName(r.focus);
  // Colours by partner, as the report's: the same partner has the same colour on every chart.
  const partners = state.info.actors.map((a) => a.id).filter((id) => id !== r.focus);
  const colorOf = (s) => (s.partner ? PARTNER_COLORS[partners.indexOf(s.partner) % PARTNER_COLORS.length] : '#0072B2');
  const of = (list, metric) => list.filter((s) => s.metric === metric && s.p50)
    .map((s) => ({ ...s, label: s.partner ? actorName(s.partner) : `${who} balance`, color: colorOf(s) }));
  // The what-if's moves, shaded where they act (at the sliders' windows), as in the report:
  // moves with the same window share one shading, their names in its tooltip.
  const windows = [];
  for (const m of state.info.moves) {
    const at = (k, v) => state.sets[`moves.${m.index}.${k}`] ?? v;
    const from = at('from', m.from), to = at('to', m.to ?? Infinity), end = to > state.info.end ? Infinity : to;
    const line = `• ${m.label} (${m.actor} → ${m.target}, ${m.lever})`;
    const same = windows.find((w) => w.from === from && w.to === end);
    if (same) {
      same.tip += '\n' + line;
      same.label = `${same.n += 1} moves`;
    } else {
      windows.push({ from, to: end, n: 1, label: m.label,
        tip: `Moves from ${fmtYear(from)}${end === Infinity ? '' : ` to ${fmtYear(end)}`}:\n${line}` });
    }
  }
  // The scenario's events on the balance chart, as the report marks them on its power
  // charts: a triangle on the time axis in the colour of the partner involved with the
  // actor shown (grey when it does not involve that actor), its text on hover.
  const events = [...(state.info.events || [])].sort((a, b) => a.t - b.t).map((e, k) => {
    const other = e.actor === r.focus ? e.target : e.target === r.focus ? e.actor : '';
    return { t: e.t, number: k + 1, color: other ? colorOf({ partner: other }) : '#8C8C8C',
      tip: `${k + 1}. ${Charts.when(e.t)} · ${actorName(e.actor)} ${e.mutual ? '↔' : '→'} ${actorName(e.target)}` +
        `${e.lever ? ` · ${e.lever}` : ''}\n${e.label}${e.source ? `\nSource: ${e.source}` : ''}` };
  });
  const band = 'median and 5–95 % band over runs.';
  const o = (ylabel, more = {}) => ({ ylabel, windows, ...more });
  figure('balance-chart', `Balance index of ${who} (1 = perfectly multi-vector), ${band}`, r.times, of(r.series, 'balance'),
    o('Balance index', { range: [0, 1], events }));
  figure('dependence-chart', `Dependence shares of ${who} on each partner, ${band}`, r.times, of(r.series, 'dependence'),
    o('Dependence share', { range: [0, 1], pct: true }));
  for (const m of ['soft', 'hard', 'smart']) {
    const name = `${metricNames[m][0].toUpperCase()}${metricNames[m].slice(1)}`;
    figure(`${m}-chart`, `${name} each partner exerts over ${who}, ${band}`, r.times, of(r.series, m), o(name));
  }
  figure('alignment-chart', `Alignment of ${who} with each partner (−1 hostile … +1 aligned), ${band}`, r.times,
    of(r.series, 'alignment'), o('Alignment', { range: [-1, 1] }));
  figure('threat-chart', `Threat ${who} perceives from each partner, ${band}`, r.times, of(r.series, 'threat'), o('Threat'));

  // A what-if: the paired change against its base (same seed: run r of both has the same noise).
  const change = r.change || [];
  const cm = $('change-metric').value;
  $('change-section').hidden = !r.change;
  figure('change-balance-chart', `Paired change of ${who}'s balance index (what-if − base, run by run), ${band}`,
    r.times, of(change, 'balance').map((g) => ({ ...g, label: `${who} balance change`, color: '#1b1b1b' })),
    o('Change in the balance index', { digits: 4 }));
  figure('change-metric-chart', `Paired change of the ${metricNames[cm]} of ${who} on each partner (what-if − base), ${band}`,
    r.times, of(change, cm), o(`Change in ${metricNames[cm]}`, { pct: cm === 'dependence', digits: 4 }));

  // Final outcomes table (also what the browser test reads); for a what-if, "base → what-if".
  const a = r.summary.actors[r.focus];
  const b = r.base_summary ? r.base_summary.actors[r.focus] : null;
  const cell = (s) => (s ? `${fmt(s.mean)} [${fmt(s.q05)}, ${fmt(s.q95)}]` : '');
  const pair = (s, t) => (t ? `${fmt(t.mean)} → ${cell(s)}` : cell(s));
  const rows = Object.entries(a.partners).map(([id, p]) => {
    const tr = document.createElement('tr');
    tr.dataset.partner = id;
    const q = b && b.partners[id];
    const cells = ['dependence', 'soft', 'hard', 'smart', 'alignment', 'threat'].map((k) => pair(p[k], q && q[k]));
    for (const text of [actorName(id), ...cells]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  });
  const bal = document.createElement('tr');
  bal.dataset.partner = '';
  bal.innerHTML = '<td>balance index</td><td colspan="6"></td>';
  bal.cells[1].textContent = pair(a.balance, b && b.balance);
  $('finals').tBodies[0].replaceChildren(bal, ...rows);
  $('finals').caption.textContent = b
    ? `Final outcomes in ${fmtYear(r.times[r.times.length - 1])}: base mean → what-if mean [5 %, 95 %] over runs`
    : `Final outcomes in ${fmtYear(r.times[r.times.length - 1])}: mean [5 %, 95 %] over runs`;
}

// ---- Editor: validate as you type; a valid text becomes the scenario that runs.
let validateTimer = 0;
async function validateEditor() {
  const text = $('editor').value;
  const { result } = await call('validate', text);
  const list = $('messages');
  if (text !== $('editor').value) return;  // typed on meanwhile
  if (!result.ok) {
    list.replaceChildren(...result.messages.map((m) => {
      const li = document.createElement('li');
      li.className = 'error';
      li.textContent = (m.line ? `line ${m.line}, column ${m.column}: ` : '') + m.message;
      return li;
    }));
    return;
  }
  const li = document.createElement('li');
  li.className = 'ok';
  li.textContent = `valid: ${result.name}, ${result.actors.length} actors, ${result.levers.length} levers`;
  list.replaceChildren(li);
  if (text !== state.toml) {
    state.toml = text;
    applyInfo(result);
    rerun();
  }
}

// ---- Wiring.
async function loadScenario(index, toml = null, run = true) {
  const sc = state.scenarios[index];
  state.toml = toml ?? sc.toml;
  state.sets = {};
  $('editor').value = state.toml;
  const { result } = await call('validate', state.toml);
  if (!result.ok) {
    $('status').textContent = 'The bundled scenario is invalid: ' + result.messages[0].message;
    return;
  }
  $('messages').replaceChildren();
  applyInfo(result);
  if (run) rerun();
}

function onSlider(id, path) {
  $(id).addEventListener('input', () => {
    const v = Number($(id).value);
    state.sets[path()] = v;
    setOutput(id, v);
    rerun();
  });
}

// ---- Share and download. The link holds the scenario, seed, runs, lens, actor shown
// and the sliders moved (and the TOML itself when it was edited), in the URL's hash.
function shareState() {
  const q = new URLSearchParams();
  q.set('scenario', state.scenarios[Number($('scenario').value)].id);
  q.set('seed', $('seed').value);
  q.set('runs', $('runs').value);
  if ($('lens').value) q.set('lens', $('lens').value);
  q.set('focus', $('focus').value);
  if (Object.keys(state.sets).length) q.set('set', JSON.stringify(state.sets));
  if (state.toml !== state.scenarios[Number($('scenario').value)].toml) {
    q.set('toml', btoa(String.fromCharCode(...new TextEncoder().encode(state.toml))));
  }
  return q;
}

async function restoreState(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const index = Math.max(0, state.scenarios.findIndex((s) => s.id === q.get('scenario')));
  $('scenario').value = String(index);
  if (q.has('seed')) $('seed').value = q.get('seed');
  if (q.has('runs')) { $('runs').value = q.get('runs'); $('runs-out').textContent = $('runs').value; }
  const toml = q.has('toml') ? new TextDecoder().decode(Uint8Array.from(atob(q.get('toml')), (c) => c.charCodeAt(0))) : null;
  await loadScenario(index, toml, false);
  if (q.has('lens')) $('lens').value = q.get('lens');
  if (q.has('focus')) $('focus').value = q.get('focus');
  if (q.has('set')) state.sets = JSON.parse(q.get('set'));
  syncSliders();
}

function download(name, text, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---- Exercises (exercises.json): each a question answered with a slider (or a lens),
// checked by running the engine at the student's value and at the scenario's own.
// Outcome selectors: metric[ACTOR] or metric[ACTOR,PARTNER] at the scenario's end, from
// summary.json; "change X" is X of the what-if minus X of its base.
function outcome(result, selector) {
  const change = selector.startsWith('change ');
  const m = selector.replace(/^change /, '').match(/^(\w+)\[(\w+)(?:,(\w+|\*))?\]$/);
  if (!m) throw new Error(`bad selector ${selector}`);
  const [, metric, actor, partner] = m;
  const read = (summary) => {
    const a = summary.actors[actor];
    if (!a) throw new Error(`no actor ${actor}`);
    if (!partner) return a[metric].mean;
    if (partner !== '*') return a.partners[partner][metric].mean;
    return Object.fromEntries(Object.entries(a.partners).map(([p, v]) => [p, v[metric].mean]));
  };
  if (!change) return read(result.summary);
  if (!result.base_summary) throw new Error('the scenario has no base to compare with');
  const w = read(result.summary), b = read(result.base_summary);
  return typeof w === 'number' ? w - b : Object.fromEntries(Object.keys(w).map((p) => [p, w[p] - b[p]]));
}

async function engineRun(scenario, sets, lens = '') {
  const base = scenario.base ? state.scenarios.find((o) => o.id === scenario.base) : null;
  // summary.json holds every actor's outcomes: the focus (charts only) does not matter.
  const { result } = await call('simulate', scenario.toml, Number($('seed').value) || 0, Number($('runs').value), lens,
    JSON.stringify(sets), '', base ? base.toml : '');
  if (!result.ok) throw new Error(result.messages.map((m) => m.message).join('; '));
  return result;
}

const actorLabel = (id) => ((state.info && state.info.actors.find((a) => a.id === id)) || { name: id }).name;

async function checkExercise(ex, box) {
  const out = box.querySelector('.verdict');
  const scenario = state.scenarios.find((s) => s.id === ex.scenario);
  const chosen = box.querySelector('select.answer').value;
  if (chosen === '-') { out.textContent = 'Choose an answer first.'; return; }
  const slider = box.querySelector('input[type=range]');
  const value = slider ? Number(slider.value) : null;
  if (slider && value === Number(slider.dataset.initial) && ex.check.kind !== 'sign' && ex.check.kind !== 'same-order') {
    out.textContent = 'Move the slider away from the scenario\'s own value first.';
    return;
  }
  out.textContent = 'Running the engine…';
  const f = (v) => fmt(v);
  let truth, because;
  try {
    const k = ex.check;
    if (k.kind === 'lens-min') {
      const lenses = ['', ...((await call('validate', scenario.toml)).result.lenses)];
      const vals = [];
      for (const lens of lenses) vals.push(outcome(await engineRun(scenario, {}, lens), k.metric));
      const i = vals.indexOf(Math.min(...vals));
      truth = lenses[i];
      because = lenses.map((l, j) => `${l || 'no lens'} ${f(vals[j])}`).join(', ');
    } else {
      const sets = { [ex.slider.path]: value };
      const at = outcome(await engineRun(scenario, sets), k.metric);
      const own = outcome(await engineRun(scenario, {}), k.metric);
      if (k.kind === 'direction') {
        const a = k.absolute ? Math.abs(at) : at, o = k.absolute ? Math.abs(own) : own;
        truth = ex.answers[a > o ? 0 : 1];
        const p = (v) => v.toPrecision(6);  // small effects: enough digits to see them
        because = `${k.metric}${k.absolute ? ' (its size)' : ''}: ${p(own)} at ${slider.dataset.initial}, ${p(at)} at ${value}`;
      } else if (k.kind === 'sign') {
        truth = ex.answers[at > 0 ? 0 : 1];
        because = `${k.metric} at ${value}: ${at >= 0 ? '+' : ''}${at.toPrecision(3)}`;
      } else if (k.kind === 'partner-max-change') {
        const d = Object.keys(at).map((p) => [p, at[p] - own[p]]);
        d.sort((x, y) => y[1] - x[1]);
        truth = d[0][0];
        because = d.map(([p, v]) => `${actorLabel(p)} ${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} points`).join(', ');
      } else if (k.kind === 'same-order') {
        const order = (o) => Object.keys(o).sort((x, y) => o[y] - o[x]);
        const same = order(at).join() === order(own).join();
        truth = ex.answers[same ? 0 : 1];
        because = `order at ${slider.dataset.initial}: ${order(own).map(actorLabel).join(', ')}; at ${value}: ` +
          order(at).map(actorLabel).join(', ');
      } else {
        throw new Error(`unknown check ${k.kind}`);
      }
    }
  } catch (e) {
    out.textContent = 'Could not check: ' + e.message;
    return;
  }
  const right = chosen === truth;
  box.dataset.result = right ? 'right' : 'wrong';
  out.textContent = `${right ? 'Right' : 'Not quite'}: the engine says ${truth ? (ex.check.kind === 'partner-max-change' ? actorLabel(truth) : truth) : 'no lens'} (${because}).`;
}

async function buildExercises() {
  let list;
  try {
    list = (await (await fetch('exercises.json')).json()).exercises;
  } catch {
    return;
  }
  const root = $('exercises');
  root.replaceChildren();
  for (const ex of list) {
    const scenario = state.scenarios.find((s) => s.id === ex.scenario);
    if (!scenario) continue;
    const box = document.createElement('article');
    box.className = 'exercise';
    box.id = `exercise-${ex.id}`;
    const h = document.createElement('h3');
    h.textContent = ex.tutorial;
    const q = document.createElement('p');
    q.textContent = ex.question;
    box.append(h, q);
    if (ex.slider) {
      const { result } = await call('valueAt', scenario.toml, ex.slider.path);
      if (!result.ok) continue;  // the scenario has changed: this exercise no longer fits
      const id = `ex-${ex.id}-slider`;
      const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: ex.slider.label + ' ' });
      const input = Object.assign(document.createElement('input'), { type: 'range', id, min: ex.slider.min, max: ex.slider.max,
        step: ex.slider.step });
      input.value = result.value;
      input.dataset.initial = result.value;
      const out = Object.assign(document.createElement('output'), { id: id + '-out', textContent: fmt(result.value) });
      out.htmlFor = id;
      label.append(input, out);
      box.appendChild(label);
      input.addEventListener('input', async () => {
        out.textContent = fmt(Number(input.value));
        // The charts above follow: this exercise's scenario, with the slider's value.
        const index = state.scenarios.indexOf(scenario);
        if (Number($('scenario').value) !== index) {
          $('scenario').value = String(index);
          await loadScenario(index, null, false);
        }
        state.sets[ex.slider.path] = Number(input.value);
        syncSliders();
        rerun();
      });
    }
    const alabel = Object.assign(document.createElement('label'), { htmlFor: `ex-${ex.id}-answer`, textContent: 'Your answer ' });
    const select = Object.assign(document.createElement('select'), { id: `ex-${ex.id}-answer`, className: 'answer' });
    let options = ex.answers ? ex.answers.map((a) => [a, a]) : [];
    if (ex.check.kind === 'lens-min') {
      const { result } = await call('validate', scenario.toml);
      options = [['', 'no lens'], ...result.lenses.map((l) => [l, l])];
    } else if (ex.check.kind === 'partner-max-change') {
      const actor = ex.check.metric.match(/\[(\w+)/)[1];
      const { result } = await call('validate', scenario.toml);
      options = result.actors.filter((a) => a.id !== actor).map((a) => [a.id, a.name]);
    }
    // "choose…" is '-': '' is "no lens".
    select.replaceChildren(new Option('choose…', '-'), ...options.map(([v, t]) => new Option(t, v)));
    alabel.appendChild(select);
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Check', className: 'check' });
    const verdict = Object.assign(document.createElement('p'), { className: 'verdict' });
    verdict.setAttribute('role', 'status');
    verdict.setAttribute('aria-live', 'polite');
    button.addEventListener('click', () => checkExercise(ex, box));
    box.append(alabel, document.createTextNode(' '), button, verdict);
    root.appendChild(box);
  }
}

async function main() {
  state.scenarios = await (await fetch('scenarios.json')).json();
  fillSelect($('scenario'), state.scenarios.map((s, i) => [String(i), (s.whatif ? 'What-if: ' : 'Flagship: ') +
    s.name.replace(/^What-if:\s*/, '')]), false);
  $('scenario').addEventListener('change', () => loadScenario(Number($('scenario').value)));
  for (const id of ['lens', 'focus']) $(id).addEventListener('change', rerun);
  $('change-metric').addEventListener('change', () => { if (state.last) draw(state.last); });
  $('seed').addEventListener('change', rerun);
  $('lever').addEventListener('change', syncSliders);
  $('actor').addEventListener('change', syncSliders);
  onSlider('lever-weight', () => `levers.${leverId()}.weight`);
  onSlider('actor-budget', () => `actors.${actorId()}.budget`);
  onSlider('noise', () => 'model.noise');
  $('runs').addEventListener('input', () => { $('runs-out').textContent = $('runs').value; rerun(); });
  $('reset').addEventListener('click', () => { state.sets = {}; syncSliders(); rerun(); });
  $('editor').addEventListener('input', () => {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validateEditor, 250);
  });
  $('share').addEventListener('click', async () => {
    location.hash = shareState().toString();
    try {
      await navigator.clipboard.writeText(location.href);
      $('status').textContent = 'Link copied: it reruns this scenario with this seed and these sliders.';
    } catch {
      $('status').textContent = 'The address bar now holds the link to share.';
    }
  });
  $('download-toml').addEventListener('click', () => {
    download(`${state.scenarios[Number($('scenario').value)].id}.toml`, state.toml, 'application/toml');
  });
  $('download-summary').addEventListener('click', () => {
    if (state.last) download('summary.json', JSON.stringify(state.last.summary, null, 2) + '\n', 'application/json');
  });
  if (location.hash.length > 1) {
    await restoreState(location.hash);
  } else {
    await loadScenario(0, null, false);
    // The question a class asks first: Türkiye's cultural effort.
    if (state.info.actors.some((a) => a.id === 'TUR')) $('actor').value = 'TUR';
    if (state.info.levers.some((l) => l.id === 'culture')) $('lever').value = 'culture';
    syncSliders();
  }
  await rerun();
  await buildExercises();
}

// Offline once loaded: the service worker (sw.js) caches the page, the engine and the
// scenarios, registered after the first run (so it copies them from the browser's cache).
// (Not on file:// pages, where browsers have none.)
function offline() {
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('sw.js').catch((e) => console.info('no offline copy: ' + e));
  }
}
main().then(offline).catch((e) => { $('status').textContent = 'Failed to start: ' + e; });
