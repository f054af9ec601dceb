// Real-browser test of the playground (web/dist/): headless Chromium, driven by
// puppeteer-core, loads the page from a static server, runs the flagship, moves a slider
// and checks that the numbers change, that a shared link gives the same numbers back, that
// an editor typo names its line and the closest key, and that nothing was logged to the
// console.
//
//   node tests/web/playground.cjs URL CHROMIUM SCREENSHOT
//
// Exit 0 pass, 1 fail. Prints the time of a 200-run ensemble in the browser.
'use strict';
const path = require('path');
const puppeteer = require(path.join(__dirname, '../../web/node_modules/puppeteer-core'));
const [url, chromium, shot] = process.argv.slice(2);

const fail = (msg) => { console.error('FAIL: ' + msg); process.exitCode = 1; };

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
    page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
    await page.goto(url, { waitUntil: 'load' });
    const runs = (n) => page.waitForFunction((k) => Number(document.body.dataset.runs || 0) >= k, { timeout: 120000 }, n);
    await runs(1);
    const status1 = await page.$eval('#status', (e) => e.textContent);
    console.log('flagship: ' + status1);
    const first = await page.evaluate(() => window.playground.last.summary.actors.KAZ.partners.TUR.dependence.mean);
    const rows = await page.$$eval('#finals tbody tr', (trs) => trs.length);
    if (rows < 2) fail(`the final outcomes table has ${rows} rows`);
    const canvases = await page.$$eval('canvas', (c) => c.length);
    if (canvases < 2) fail(`${canvases} charts drawn, expected 2`);

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

    if (shot) await page.screenshot({ path: shot, fullPage: true });
  } catch (e) {
    fail(String(e));
  } finally {
    await browser.close();
  }
  for (const p of problems) fail(p);
  if (!process.exitCode) console.log('PASS');
})();
