// End-to-end: the release build served from a sub-path, driven in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { serveStatic } from './serve.mjs';
import { launch, openPage } from './browser.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = process.env.GRIDSHARE_DIST ?? join(ROOT, 'dist');
const SUB_PATH = '/demo/gridshare/';

let server;
let browser;

before(async () => {
  server = await serveStatic(DIST, SUB_PATH);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const byId = (id) => `[data-testid="${id}"]`;

test('the app renders from a sub-path, shows worked example A and responds to a click', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('bill-sdr-1'), { timeout: 15000 });
  assert.equal(await page.textContent(byId('bill-sdr-1')), '18.89');
  assert.equal(await page.textContent(byId('bill-mmr-1')), '19.00');
  assert.equal(await page.textContent(byId('bill-bs-2')), '5.00');
  assert.equal(await page.textContent(byId('sdr')), '0.500');

  // The chart canvas really has a drawing on it (not a blank placeholder).
  const inked = await page.$eval(byId('bills-chart'), (canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - data[i + 1]) > 40 || Math.abs(data[i + 1] - data[i + 2]) > 40) coloured++;
    }
    return coloured;
  });
  assert.ok(inked > 500, `chart has ${inked} coloured pixels`);

  // Clicking worked example B (a net-exporting hour) recomputes every rule.
  await page.click(byId('example-b'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '-16.00', byId('bill-sdr-1'));
  assert.equal(await page.textContent(byId('bill-mmr-1')), '-17.00');
  assert.equal(await page.textContent(byId('bill-bs-1')), '-8.00');

  if (process.env.GRIDSHARE_SCREENSHOT) {
    await page.click(byId('example-a'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '18.89', byId('bill-sdr-1'));
    await page.screenshot({ path: process.env.GRIDSHARE_SCREENSHOT, fullPage: true });
  }
  assert.deepEqual(errors, [], 'no console errors');
});

test('an invalid tariff is explained inline and the previous results stay', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('bill-sdr-1'));
  await page.fill(byId('hour-price-sell'), '11');
  await page.waitForSelector(byId('hour-error'));
  assert.match(await page.textContent(byId('hour-error')), /sell_per_kwh \(11\) must be below buy_per_kwh \(10\)/);
  assert.equal(await page.textContent(byId('bill-sdr-1')), '18.89');
  await page.fill(byId('hour-price-sell'), '3');
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('hour-error'));
  assert.equal(await page.textContent(byId('bill-none-3')), '-4.50');
  assert.deepEqual(errors, [], 'no console errors');
});

const MODELS = ['none', 'bs', 'mmr', 'sdr', 'cloud'];

test('first load runs the default village under all five models in a worker; the sell price changes them', async () => {
  const errors = [];
  const started = Date.now();
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  const firstResultsMs = Date.now() - started;
  const costs = {};
  for (const m of MODELS) {
    costs[m] = Number((await page.textContent(byId(`kpi-${m}-cost`))).replace(/[,\s]/g, '').replace('−', '-'));
    assert.ok(Number.isFinite(costs[m]) && costs[m] > 0, `${m}: ${costs[m]}`);
  }
  // MODEL.md: every sharing rule beats no sharing; coordination beats the fixed-net-energy rules.
  assert.ok(costs.cloud < costs.sdr && costs.sdr < costs.none, JSON.stringify(costs));
  assert.equal(costs.bs, costs.sdr, 'BS, MMR and SDR settle the same net energy: same community cost');

  // Feed-in 3 instead of 8: the no-sharing cost rises (exports earn less).
  await page.$eval(byId('price-sell'), (el) => { el.value = '3'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForFunction(([sel, before]) => {
    const t = document.querySelector(sel)?.textContent;
    return t && Number(t.replace(/[,\s]/g, '')) !== before;
  }, [byId('kpi-none-cost'), costs.none], { timeout: 30000 });
  const after = Number((await page.textContent(byId('kpi-none-cost'))).replace(/[,\s]/g, ''));
  assert.ok(after > costs.none, `${after} > ${costs.none}`);

  // An invalid tariff is explained and the results stay.
  await page.$eval(byId('price-sell'), (el) => { el.value = '15'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /must be below/);
  assert.ok(await page.textContent(byId('kpi-cloud-cost')));
  if (process.env.GRIDSHARE_SCREENSHOT_COMPARE) {
    await page.$eval(byId('price-sell'), (el) => { el.value = '8'; el.dispatchEvent(new Event('input', { bubbles: true })); });
    await page.waitForFunction((sel) => !document.querySelector(sel), byId('error'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
    await page.screenshot({ path: process.env.GRIDSHARE_SCREENSHOT_COMPARE, fullPage: true });
  }
  console.log(`first results after ${firstResultsMs} ms`);
  assert.deepEqual(errors, [], 'no console errors');
});
