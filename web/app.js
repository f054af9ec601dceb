// The playground's page: loads the scenarios bundle (scenarios.json, resolved at build
// time), drives the engine in a worker (worker.js -> smartpower.wasm) and draws the
// results with uPlot. Every slider sets one dotted path of the scenario, the way
// `--set PATH=VALUE` does on the command line; each change reruns the ensemble.
/* global uPlot */

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

const palette = ['#1a5fb4', '#c64600', '#26a269', '#813d9c', '#986a44', '#e01b24'];
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
  $('lever-weight').value = state.sets[lpath] ?? lever.weight;
  setOutput('lever-weight', $('lever-weight').value);
  const actor = info.actors.find((a) => a.id === actorId()) || info.actors[0];
  const apath = `actors.${actor.id}.budget`;
  const budget = state.sets[apath] ?? actor.budget;
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
        m[strength], 0, Math.max(strength === 'scale' ? 3 : 1, 2 * Math.abs(m[strength])), strength === 'scale' ? 0.05 : 0.01],
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
    const { result, ms } = await call('simulate', state.toml, seed, runs, $('lens').value, JSON.stringify(state.sets),
      $('focus').value, base);
    if (!result.ok) {
      $('status').textContent = 'Could not run: ' + result.messages.map((m) => m.message).join('; ');
      continue;
    }
    state.last = result;
    state.runsDone += 1;
    draw(result);
    state.lastMs = ms;
    $('status').textContent = `${runs} runs${base ? ' of the what-if and of its base' : ''} in ${ms.toFixed(0)} ms ` +
      `(WebAssembly, one thread), seed ${seed}.`;
    document.body.dataset.runs = String(state.runsDone);
  } while (state.again);
  state.running = false;
}

// ---- Charts (uPlot: canvas, ~50 KB; the table below them is their text alternative).
const charts = {};

function chartWidth(id) {
  return Math.max(320, Math.min(860, $(id).parentElement.clientWidth || 800));
}

// One chart of several quantities, each drawn as its median with its 5-95 % band.
function bandChart(id, times, groups, yRange) {
  const data = [times];
  const series = [{ label: 'year' }];
  const bands = [];
  groups.forEach((g, n) => {
    const color = palette[n % palette.length];
    const base = data.length;
    data.push(g.p5, g.p95, g.p50);
    series.push({ label: `${g.label} 5 %`, stroke: color + '55', width: 1 },
      { label: `${g.label} 95 %`, stroke: color + '55', width: 1 },
      { label: `${g.label} median`, stroke: color, width: 2 });
    bands.push({ series: [base + 1, base], fill: color + '26' });
  });
  const key = `${id}:${series.map((s) => s.label).join('|')}`;
  if (charts[id] && charts[id].key === key) {
    charts[id].plot.setData(data);
    return;
  }
  if (charts[id]) charts[id].plot.destroy();
  const opts = {
    width: chartWidth(id),
    height: 260,
    series,
    bands,
    scales: { x: { time: false }, y: yRange ? { range: yRange } : {} },
    axes: [{ label: 'year' }, {}],
    legend: { live: true },
  };
  charts[id] = { key, plot: new uPlot(opts, data, $(id)) };
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
  bandChart(id, times, groups, opts.range);
  $(id + '-caption').textContent = `${title} ${keyFigures(times, groups, opts.pct)}`;
}

const metricNames = {
  dependence: 'dependence share', soft: 'soft power', hard: 'hard power', smart: 'smart power',
  alignment: 'alignment', threat: 'threat perceived',
};

function draw(r) {
  const actorName = (id) => (state.info.actors.find((a) => a.id === id) || { name: id }).name;
  const who = actorName(r.focus);
  const of = (list, metric) => list.filter((s) => s.metric === metric && s.p50)
    .map((s) => ({ ...s, label: s.partner ? actorName(s.partner) : `${who} balance` }));
  const band = 'median and 5–95 % band over runs.';
  figure('balance-chart', `Balance index of ${who} (1 = perfectly multi-vector), ${band}`, r.times, of(r.series, 'balance'),
    { range: [0, 1] });
  figure('dependence-chart', `Dependence shares of ${who} on each partner, ${band}`, r.times, of(r.series, 'dependence'),
    { range: [0, 1], pct: true });
  for (const m of ['soft', 'hard', 'smart']) {
    figure(`${m}-chart`, `${metricNames[m][0].toUpperCase()}${metricNames[m].slice(1)} each partner exerts over ${who}, ${band}`,
      r.times, of(r.series, m));
  }
  figure('alignment-chart', `Alignment of ${who} with each partner (−1 hostile … +1 aligned), ${band}`, r.times,
    of(r.series, 'alignment'), { range: [-1, 1] });
  figure('threat-chart', `Threat ${who} perceives from each partner, ${band}`, r.times, of(r.series, 'threat'));

  // A what-if: the paired change against its base (same seed: run r of both has the same noise).
  const change = r.change || [];
  const cm = $('change-metric').value;
  $('change-section').hidden = !r.change;
  figure('change-balance-chart', `Paired change of ${who}'s balance index (what-if − base, run by run), ${band}`,
    r.times, of(change, 'balance').map((g) => ({ ...g, label: `${who} balance change` })));
  figure('change-metric-chart', `Paired change of the ${metricNames[cm]} of ${who} on each partner (what-if − base), ${band}`,
    r.times, of(change, cm), { pct: cm === 'dependence' });

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
  rerun();
}

main().catch((e) => { $('status').textContent = 'Failed to start: ' + e; });
