// The browser half of benchmarks/web_ensemble.sh: headless Chromium (puppeteer-core)
// loads the playground from URL, waits for its first run of the flagship, then times
// REPEAT ensembles of RUNS runs three ways:
//   simulate  the playground's call, in its worker: the ensemble, the per-run series of
//             the focus actor's charts and their bands, summary.json (what a slider waits for);
//   run       summary.json only, in the same worker (the work `smartpower run` does);
//   rerun     the page's whole rerun: to the worker and back, and the charts redrawn.
// Prints one line per measure, "NAME best MS median MS all MS,MS,...": the wall time, and
// as NAME_cpu the CPU time of Chromium's processes over the same call (from /proc, 10 ms
// ticks: on a busy machine the wall time counts the other jobs too), and the first load's
// bytes transferred ("first_load BYTES").
//
//   node benchmarks/web_ensemble.cjs URL CHROMIUM RUNS REPEAT
'use strict';
const path = require('path');
const puppeteer = require(path.join(__dirname, '../web/node_modules/puppeteer-core'));
const { cpuMs } = require(path.join(__dirname, '../tests/web/cpu_time.cjs'));
const [url, chromium, runsArg, repeatArg] = process.argv.slice(2);
const runs = Number(runsArg || 200), repeat = Number(repeatArg || 7);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { best: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, all: xs };
};
const line = (name, xs) => {
  const { best, median } = stats(xs);
  console.log(`${name} best ${best.toFixed(0)} median ${median.toFixed(0)} all ${xs.map((x) => x.toFixed(0)).join(',')}`);
};

(async () => {
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}#scenario=baseline&seed=7&runs=${runs}`, { waitUntil: 'load' });
    const done = (n) => page.waitForFunction((k) => Number(document.body.dataset.runs || 0) >= k, { timeout: 300000 }, n);
    await done(1);
    // First load: every file the page and its worker fetched (the server does not compress).
    const sizes = () => performance.getEntriesByType('resource').reduce((n, e) => n + e.transferSize, 0);
    let bytes = await page.evaluate(() => performance.getEntriesByType('navigation')[0].transferSize);
    bytes += await page.evaluate(sizes);
    const [worker] = page.workers();
    if (!worker) throw new Error('the playground started no worker');
    bytes += await worker.evaluate(sizes);
    console.log(`first_load ${bytes}`);
    if (await page.evaluate(() => window.playground.last.summary.runs) !== runs) throw new Error(`the page did not run ${runs} runs`);

    // In the worker: the engine's own calls, timed there (no messages, no JSON transfer).
    const args = await page.evaluate(() => {
      const $ = (id) => document.getElementById(id);
      return { seed: Number($('seed').value) || 0, lens: $('lens').value, focus: $('focus').value };
    });
    const toml = await page.evaluate(() => window.playground.toml);
    const inWorker = (fn) => worker.evaluate(async (fn, toml, a, runs) => {
      const engine = await ready;  // eslint-disable-line no-undef -- worker.js's
      const t = performance.now();
      const out = fn === 'run' ? engine.run(toml, a.seed, runs) : engine.simulate(toml, a.seed, runs, a.lens, '{}', a.focus, '');
      const ms = performance.now() - t;
      if (!JSON.parse(out).ok && fn !== 'run') throw new Error(out.slice(0, 300));
      return ms;
    }, fn, toml, args, runs);
    const t = { simulate: [], run: [], rerun: [], draw: [], simulate_cpu: [], run_cpu: [], rerun_cpu: [] };
    const pid = browser.process().pid;
    const timed = async (name, f) => {
      const c0 = cpuMs(pid);
      t[name].push(await f());
      t[name + '_cpu'].push(cpuMs(pid) - c0);
    };
    for (let i = 0; i < repeat; ++i) {
      await timed('simulate', () => inWorker('simulate'));
      await timed('run', () => inWorker('run'));
      await timed('rerun', async () => {
        const n = await page.evaluate(() => Number(document.body.dataset.runs));
        await page.$eval('#seed', (e) => e.dispatchEvent(new Event('change')));
        await done(n + 1);
        const w = await page.evaluate(() => ({ wall: window.playground.lastWallMs, draw: window.playground.lastDrawMs }));
        t.draw.push(w.draw);
        return w.wall;
      });
    }
    for (const [name, xs] of Object.entries(t)) line(name, xs);
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
