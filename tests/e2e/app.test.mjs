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
  await page.fill(byId('price-sell'), '11');
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /sell_per_kwh \(11\) must be below buy_per_kwh \(10\)/);
  assert.equal(await page.textContent(byId('bill-sdr-1')), '18.89');
  await page.fill(byId('price-sell'), '3');
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('error'));
  assert.equal(await page.textContent(byId('bill-none-3')), '-4.50');
  assert.deepEqual(errors, [], 'no console errors');
});
