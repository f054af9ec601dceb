// Real-browser test of one report page: headless Chromium, driven by puppeteer-core (as
// tests/web/playground.cjs drives the playground), opens the page from its file and checks
// it against the JSON it carries (#report-data): every figure of the JSON's blocks is on
// the page, with one SVG chart per panel, each labelled (aria-label) and holding marks; the
// page's own self-check passed (data-ok, data-charts = the JSON's `figures`); a chart's
// hover read-out and an event marker's tooltip show on a real mouse move; nothing was
// written to the console and no script failed. Then a full-page screenshot, and with
// SECTION_ID a screenshot of that figure alone.
//
//   node tests/browser/report.cjs CHROMIUM PAGE.html SCREENSHOT.png [SECTION_ID SECTION.png]
//
// EXPECT_FIGURES (environment): figure ids the JSON must list, separated by spaces.
// Prints what it found; exit 0 pass, 1 fail.
'use strict';
const path = require('path');
const puppeteer = require(path.join(__dirname, '../../web/node_modules/puppeteer-core'));
const [chromium, file, shot, sectionId, sectionShot] = process.argv.slice(2);

const fail = (msg) => { console.log('FAIL: ' + msg); process.exitCode = 1; };

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-extensions'],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    // Any console message is a failure: the page itself logs nothing.
    page.on('console', (m) => problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
    page.on('request', (r) => { if (!/^(file|data|about|blob):/.test(r.url())) problems.push('network request: ' + r.url()); });
    await page.goto('file://' + path.resolve(file), { waitUntil: 'load', timeout: 120000 });
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-render-ms') ||
      document.querySelector('#js-errors li'), { timeout: 120000 });

    const found = await page.evaluate(() => {
      const doc = JSON.parse(document.getElementById('report-data').textContent);
      const root = document.documentElement;
      const figures = doc.blocks.filter((b) => b.figure).map((b) => {
        const f = b.figure, el = document.getElementById(f.id);
        const svgs = el ? Array.from(el.querySelectorAll('svg.panel')) : [];
        return {
          id: f.id, panels: f.panels.length, present: !!el && el.matches('figure.chart'), svgs: svgs.length,
          unlabelled: svgs.filter((s) => !s.getAttribute('aria-label') || s.getAttribute('role') !== 'img').length,
          empty: svgs.filter((s) => !s.querySelector('.data > *')).length,
          caption: el ? (el.querySelector('figcaption h2') || { textContent: '' }).textContent : '',
        };
      });
      const attr = (k) => root.getAttribute(k);
      return {
        figures, count: doc.figures, ok: attr('data-ok'), charts: Number(attr('data-charts')), ms: attr('data-render-ms'),
        markers: document.querySelectorAll('.event-marker > *').length, svgs: document.querySelectorAll('svg.panel').length,
        points: document.querySelectorAll('.data-point > *').length, height: document.documentElement.scrollHeight,
        errors: Array.from(document.querySelectorAll('#js-errors li')).map((li) => li.textContent),
      };
    });
    const panels = found.figures.reduce((n, f) => n + f.panels, 0);
    console.log(`   ${found.figures.length} figures in the JSON (figures = ${found.count}), ${panels} panels; drawn: ` +
      `${found.charts} figures, ${found.svgs} SVG charts, ${found.markers} event markers, ${found.points} observations ` +
      `in ${found.ms} ms`);
    for (const id of (process.env.EXPECT_FIGURES || '').split(/\s+/).filter(Boolean)) {
      if (!found.figures.some((f) => f.id === id)) fail(`the JSON has no figure ${id}`);
    }
    if (found.figures.length !== found.count) fail(`the JSON lists ${found.figures.length} figures but says figures = ${found.count}`);
    for (const f of found.figures) {
      if (!f.present) fail(`figure ${f.id} is not on the page`);
      else if (f.svgs !== f.panels) fail(`figure ${f.id}: ${f.svgs} SVG charts for ${f.panels} panels`);
      if (f.unlabelled) fail(`figure ${f.id}: ${f.unlabelled} charts without role=img and an aria-label`);
      if (f.empty) fail(`figure ${f.id}: ${f.empty} charts without data marks`);
    }
    if (found.svgs !== panels) fail(`${found.svgs} SVG charts on the page, the JSON has ${panels} panels`);
    if (found.ok !== '1') fail('the page\'s self-check did not pass (data-ok != 1)');
    if (found.charts !== found.count) fail(`the page drew ${found.charts} figures of ${found.count}`);
    if (!(found.markers > 0)) fail('no event markers on the charts');
    for (const e of found.errors) fail('the page reported: ' + e);

    // A real mouse: the first chart's read-out names a year; an event marker shows its tooltip.
    const zone = await page.$('svg.panel[data-chart] .hover-zone');
    if (zone) {
      await zone.scrollIntoView();
      const box = await zone.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const tip = await page.$eval('#tip', (t) => (t.hidden ? '' : t.textContent));
      if (!/[0-9]{4}/.test(tip)) fail('the hover read-out did not show: ' + tip);
      else console.log('   hover read-out: ' + tip.slice(0, 90));
    } else {
      fail('no chart with a hover read-out');
    }
    const marker = await page.$('.event-marker [data-tip]');
    if (marker) {
      await marker.scrollIntoView();
      await marker.hover();
      const want = await marker.evaluate((m) => m.getAttribute('data-tip').split('\n')[0]);
      const tip = await page.$eval('#tip', (t) => (t.hidden ? '' : t.textContent));
      if (!tip.includes(want)) fail(`the event tooltip did not show "${want}"`);
    }
    await page.mouse.move(0, 0);
    await page.evaluate(() => window.scrollTo(0, 0));

    if (shot) {
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`   screenshot: ${shot} (1280 x ${found.height})`);
    }
    if (sectionId && sectionShot) {
      const el = await page.$('#' + sectionId);
      if (!el) {
        fail(`no #${sectionId} to take a picture of`);
      } else {
        await el.scrollIntoView();
        const b = await el.boundingBox();
        const scrollY = await page.evaluate(() => window.scrollY);
        await page.screenshot({ path: sectionShot, captureBeyondViewport: true,
          clip: { x: Math.max(0, b.x - 14), y: b.y + scrollY - 14, width: b.width + 28, height: b.height + 28 } });
        console.log(`   screenshot of #${sectionId} alone: ${sectionShot}`);
      }
    }
  } catch (e) {
    fail(String(e && e.stack || e));
  } finally {
    await browser.close();
  }
  for (const p of problems) fail(p);
})();
