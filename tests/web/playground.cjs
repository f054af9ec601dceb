// Real-browser test of the playground (web/dist/): headless Chromium, driven by
// puppeteer-core, loads the page from a static server, runs the flagship, moves a slider
// and checks that the numbers change, that a shared link gives the same numbers back, that
// an editor typo names its line and the closest key, the charts and their text
// alternatives, labels, keyboard use, a what-if's paired change and move slider, an
// exercise's check, a reload offline, and that nothing was logged to the console.
//
//   node tests/web/playground.cjs URL CHROMIUM SCREENSHOT
//
// Exit 0 pass, 1 fail. Prints the time of a 200-run ensemble in the browser (best of 3
// reruns: the engine in the worker, and the rerun with the charts drawn).
'use strict';
const path = require('path');
const puppeteer = require(path.join(__dirname, '../../web/node_modules/puppeteer-core'));
const [url, chromium, shot] = process.argv.slice(2);

const fail = (msg) => { console.error('FAIL: ' + msg); process.exitCode = 1; };

const { cpuMs } = require('./cpu_time.cjs');

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1250, height: 1300 });
    page.on('console', (m) => { if (['error', 'warning'].includes(m.type())) problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('requestfailed', (r) => { if (!r.url().endsWith('/sw.js')) problems.push('request failed: ' + r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    const runs = (n) => page.waitForFunction((k) => Number(document.body.dataset.runs || 0) >= k, { timeout: 120000 }, n);
    await runs(1);
    // First load: the page's and its worker's files as fetched (Resource Timing's transferSize:
    // bytes over the wire, headers included; the test's server does not compress).
    const entries = () => performance.getEntriesByType('resource').map((e) => [e.name, e.transferSize]);
    const loaded = [...await page.evaluate(entries)];
    for (const w of page.workers()) loaded.push(...await w.evaluate(entries));
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0].transferSize);
    const bytes = loaded.reduce((n, [, b]) => n + b, nav);
    console.log(`first load: ${loaded.length + 1} files, ${bytes} bytes transferred; the largest: ` +
      loaded.sort((x, y) => y[1] - x[1]).slice(0, 5).map(([u, n]) => `${u.split('/').pop()} ${n}`).join(', '));
    if (!loaded.some(([u]) => u.endsWith('/smartpower.wasm'))) fail('the engine (smartpower.wasm) is not among the first load\'s files');
    if (bytes > 2e6) fail(`the first load is ${bytes} bytes, over the 2 MB target`);
    const status1 = await page.$eval('#status', (e) => e.textContent);
    console.log('flagship: ' + status1);
    const first = await page.evaluate(() => window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean);
    const rows = await page.$$eval('#finals tbody tr', (trs) => trs.length);
    if (rows < 2) fail(`the final outcomes table has ${rows} rows`);
    const svgs = await page.$$eval('svg.panel', (c) => c.length);
    if (svgs < 7) fail(`${svgs} charts drawn, expected 7`);

    // The time a student waits: three reruns of the same 200 runs (the seed's change event),
    // the engine's time in the worker and the whole rerun with the charts drawn.
    const times = [];
    for (let i = 0; i < 3; ++i) {
      const n = await page.evaluate(() => Number(document.body.dataset.runs));
      const c0 = cpuMs(browser.process().pid);
      await page.$eval('#seed', (e) => e.dispatchEvent(new Event('change')));
      await runs(n + 1);
      const c1 = cpuMs(browser.process().pid);
      times.push({ ...await page.evaluate(() => ({ engine: window.playground.lastMs, wall: window.playground.lastWallMs,
        draw: window.playground.lastDrawMs })), cpu: c0 === null ? NaN : c1 - c0 });
    }
    const best = (k) => Math.min(...times.map((t) => t[k])).toFixed(0);
    console.log(`200 runs of the flagship, best of 3 reruns: engine ${best('engine')} ms (in the worker), ` +
      `rerun ${best('wall')} ms with the charts drawn (drawing ${best('draw')} ms), Chromium's CPU time for the rerun ` +
      `${best('cpu')} ms; all (engine/rerun/CPU): ` +
      times.map((t) => `${t.engine.toFixed(0)}/${t.wall.toFixed(0)}/${t.cpu}`).join(', '));

    // Türkiye's budget up: Kazakhstan's dependence on Türkiye must rise.
    await page.select('#actor', 'TUR');
    await page.$eval('#actor-budget', (e) => { e.value = String(Number(e.value) * 4); e.dispatchEvent(new Event('input')); });
    await runs(2);
    await page.waitForFunction(() => !window.playground.running, { timeout: 120000 });
    const second = await page.evaluate(() => window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean);
    console.log(`KAZ dependence on TUR: ${first} -> ${second} with Türkiye's budget x4`);
    if (!(second > first)) fail('moving the budget slider up did not raise the dependence on Türkiye');
    const status2 = await page.$eval('#status', (e) => e.textContent);
    console.log('after the slider: ' + status2);

    // Share: the link, opened in a new page, gives the same numbers back.
    await page.click('#share');
    await page.waitForFunction(() => location.hash.length > 1);
    const link = await page.evaluate(() => location.href);
    const again = await browser.newPage();
    again.on('console', (m) => { if (['error', 'warning'].includes(m.type())) problems.push(`console ${m.type()}: ${m.text()}`); });
    again.on('pageerror', (e) => problems.push('page error: ' + e.message));
    await again.goto(link, { waitUntil: 'load' });
    await again.waitForFunction(() => Number(document.body.dataset.runs || 0) >= 1, { timeout: 120000 });
    const shared = await again.evaluate(() => window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean);
    console.log(`shared link: KAZ dependence on TUR ${shared}`);
    if (shared !== second) fail(`the shared link gave ${shared}, the page had ${second}`);
    await again.close();

    // A typo in the editor: the message names the line and the closest key.
    await page.$eval('#editor', (e) => {
      e.value = e.value.replace(/^budget = /m, 'bugdet = ');
      e.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => document.querySelector('#messages li.error'), { timeout: 60000 });
    const msg = await page.$eval('#messages li.error', (e) => e.textContent);
    console.log('editor typo: ' + msg);
    if (!/^line \d+, column \d+: /.test(msg) || !msg.includes('budget')) fail('the typo message does not name a line and the key budget');

    // Every chart of the report, each with its text alternative (caption with figures).
    // Drawn by charts.js (the report's module) as SVG: a band (area) and a median (line) per
    // quantity, labelled by the caption, described in words, with a values table.
    const figs = await page.$$eval('figure:not([hidden])', (fs) => fs.map((f) => {
      const svg = f.querySelector('svg.panel[role=img]');
      return {
        caption: f.querySelector('figcaption').textContent,
        canvas: !!svg && !!svg.querySelector('.area > *') && !!svg.querySelector('.line > *'),
        labelled: !!svg && svg.getAttribute('aria-labelledby') === f.querySelector('figcaption').id &&
          /over time/.test(svg.getAttribute('aria-description') || '') && !!f.querySelector('details.values table tbody tr'),
      };
    }));
    console.log(`${figs.length} charts: ` + figs.map((f) => f.caption.split(',')[0]).join('; '));
    if (figs.length < 7) fail(`${figs.length} charts shown for the flagship, expected 7 (balance, dependence, soft, hard, smart, alignment, threat)`);
    for (const f of figs) {
      if (!f.canvas || !f.labelled || !/\d\.\d/.test(f.caption)) fail(`chart without a drawing or a text alternative with figures: ${f.caption}`);
    }

    // Labels: every control has an accessible name.
    const unlabelled = await page.$$eval('input, select, textarea, button', (els) => els.filter((e) =>
      !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') &&
      !(e.tagName === 'BUTTON' && e.textContent.trim())).map((e) => e.id || e.outerHTML.slice(0, 60)));
    if (unlabelled.length) fail('controls without a label: ' + unlabelled.join(', '));

    // Keyboard: from the first control, Tab reaches the lever weight slider, ArrowRight moves
    // it, the numbers change. (Not from wherever the focus was: Chromium starts Tab from the
    // last focused place, and the charts, their tables and the exercises are Tab stops too.)
    await page.focus('#scenario');
    let reached = false;
    for (let i = 0; i < 40 && !reached; ++i) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'lever-weight');
    }
    if (!reached) fail('Tab never reached the lever weight slider');
    const before = await page.evaluate(() => ({ v: document.getElementById('lever-weight').value, n: Number(document.body.dataset.runs),
      d: window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean }));
    await page.keyboard.press('ArrowRight');
    await runs(before.n + 1);
    await page.waitForFunction(() => !window.playground.running, { timeout: 120000 });
    const after = await page.evaluate(() => ({ v: document.getElementById('lever-weight').value,
      d: window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean }));
    console.log(`keyboard: lever weight ${before.v} -> ${after.v}, KAZ dependence on TUR ${before.d} -> ${after.d}`);
    if (!(Number(after.v) > Number(before.v)) || after.d === before.d) fail('ArrowRight on the lever weight slider did not change the numbers');

    // A what-if: the paired change against its base, and a move's strength slider.
    await page.$eval('#runs', (e) => { e.value = '50'; e.dispatchEvent(new Event('input')); });
    await page.waitForFunction(() => !window.playground.running && window.playground.last.summary.runs === 50, { timeout: 120000 });
    const idx = await page.evaluate(() => window.playground.scenarios.findIndex((s) => s.id === 'turkey_trade_push'));
    if (idx < 0) fail('the turkey_trade_push what-if is not in the bundle');
    const n0 = await page.evaluate(() => Number(document.body.dataset.runs));
    await page.select('#scenario', String(idx));
    await runs(n0 + 1);
    await page.waitForFunction(() => !window.playground.running, { timeout: 120000 });
    const changeShown = await page.$eval('#change-section', (e) => !e.hidden);
    const tr = () => page.evaluate(() => {
      const c = window.playground.last.change.find((s) => s.metric === 'dependence' && s.partner === 'TUR');
      return c.mean[c.mean.length - 1];
    });
    const c1 = await tr();
    // The what-if's own move, found by its label: the flagship's data moves (the partners'
    // import crises) have sliders too and come first.
    const slider = '#' + await page.evaluate(() => {
      const group = [...document.querySelectorAll('#move-sliders .move')]
        .find((g) => g.querySelector('.move-title').textContent.startsWith('Turkish trade push'));
      return group ? group.querySelector('input[id$="-scale"]').id : '';
    });
    if (slider === '#') fail('the Turkish trade push has no strength slider');
    const strength = await page.$eval(slider, (e) => Number(e.value));
    const n1 = await page.evaluate(() => Number(document.body.dataset.runs));
    await page.$eval(slider, (e) => { e.value = String(Number(e.value) * 2); e.dispatchEvent(new Event('input')); });
    await runs(n1 + 1);
    await page.waitForFunction(() => !window.playground.running, { timeout: 120000 });
    const c2 = await tr();
    console.log(`what-if: paired change of KAZ dependence on TUR ${c1} at trade push ${strength}, ${c2} at ${2 * strength}`);
    if (!changeShown || !(c1 > 0)) fail('the trade push shows no positive paired change of the dependence on Türkiye');
    if (!(c2 > c1)) fail('doubling the trade push did not enlarge the paired change');
    const diffCaption = await page.$eval('#change-metric-chart-caption', (e) => e.textContent);
    if (!/Türkiye \+?\d/.test(diffCaption)) fail('the paired change chart has no figures in its caption: ' + diffCaption);

    // The screenshot (docs/playground.png): a what-if with its paired change, the top of the page.
    if (shot) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1250, height: 1700 }, captureBeyondViewport: true });
    }

    // An exercise: move its slider by keyboard; of its answers, the engine's check marks exactly one right.
    await page.waitForSelector('#exercise-trade-weight select.answer', { timeout: 60000 });
    await page.focus('#ex-trade-weight-slider');
    for (let i = 0; i < 20; ++i) await page.keyboard.press('ArrowRight');
    const answers = await page.$$eval('#ex-trade-weight-answer option', (os) => os.map((o) => o.value).filter((v) => v !== '-'));
    const verdicts = [];
    for (const a of answers) {
      await page.select('#ex-trade-weight-answer', a);
      await page.$eval('#exercise-trade-weight .verdict', (e) => { e.textContent = ''; });
      await page.click('#exercise-trade-weight button.check');
      await page.waitForFunction(() => /^(Right|Not quite|Could not)/.test(document.querySelector('#exercise-trade-weight .verdict').textContent),
        { timeout: 180000 });
      verdicts.push(await page.$eval('#exercise-trade-weight .verdict', (e) => e.textContent));
    }
    console.log('exercise (trade weight): ' + verdicts[0]);
    if (verdicts.filter((v) => v.startsWith('Right')).length !== 1) fail('the exercise check did not mark exactly one answer right: ' + verdicts.join(' | '));


    // Offline: once loaded, the service worker serves the page, the engine and the scenarios.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, { timeout: 60000 });
    await page.setOfflineMode(true);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => Number(document.body.dataset.runs || 0) >= 1, { timeout: 120000 });
    const offline = await page.evaluate(() => window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean);
    console.log(`offline reload: ran, KAZ dependence on TUR ${offline}`);
    if (offline !== first) fail(`offline the flagship gave ${offline}, online ${first}`);
    await page.setOfflineMode(false);
  } catch (e) {
    fail(String(e));
  } finally {
    await browser.close();
  }
  for (const p of problems) fail(p);
  if (!process.exitCode) console.log('PASS');
})();
