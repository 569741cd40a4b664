// End-to-end: the transformer & peaks panel — the loading-duration curve and the class heat map
// are drawn from the report, a smaller rating or the stressed preset means more hours over the
// rating, bad settings are refused, and the cost-vs-peak frontier is computed in its worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { serveStatic } from './serve.mjs';
import { launch, openPage } from './browser.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = process.env.GRIDSHARE_DIST ?? join(ROOT, 'dist');
let server;
let browser;
before(async () => { server = await serveStatic(DIST, '/demo/gridshare/'); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const byId = (id) => `[data-testid="${id}"]`;
const num = (text) => Number(text.replace(/[,\s]/g, '').replace('−', '-'));
const upToDate = (page) => page.waitForFunction(
  (sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 60000 });
const ready = async (page) => { await page.waitForSelector(byId('hours-over-rating-cloud'), { timeout: 60000 }); await upToDate(page); };
const text = async (page, id) => num(await page.textContent(byId(id)));
const changed = (page, id, before) => page.waitForFunction(
  ([sel, b]) => { const t = document.querySelector(sel)?.textContent; return t && t !== b; }, [byId(id), before], { timeout: 60000 });
// Coloured (not grey or white) pixels on a canvas.
const inked = (page, id) => page.$eval(byId(id), (canvas) => {
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 40 || Math.abs(d[i + 1] - d[i + 2]) > 40) n++;
  return n;
});
const hoursOver = async (page) => ({ none: await text(page, 'hours-over-rating-none'), cloud: await text(page, 'hours-over-rating-cloud') });

test('the loading-duration curve and heat map are drawn, and the rating changes the hours over it', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  assert.equal(await page.$eval(byId('loading-duration-chart'), (c) => c.dataset.lines), '5', 'one line per model');
  assert.ok(await inked(page, 'loading-duration-chart') > 2000, 'loading-duration chart has colour');
  assert.equal(await page.$eval(byId('classes-chart'), (c) => c.dataset.rows), '12', 'twelve months in the heat map');
  assert.ok(await inked(page, 'classes-chart') > 2000, 'heat map has colour');
  assert.match(await page.textContent(byId('class-legend')), /severely overloaded \(100% and above/);
  assert.match(await page.textContent(byId('peak-rating')), /kVA = [\d.]+ kW/);
  assert.match(await page.textContent(byId('peak-note')), /Max loading \d+%/);
  for (const m of ['none', 'bs', 'mmr', 'sdr', 'cloud']) {
    assert.ok(Number.isFinite(await text(page, `max-loading-${m}`)), m);
    assert.ok(await text(page, `peak-import-${m}`) > 0, m);
  }

  // The default village gets the smallest standard transformer (10 kVA = 9.5 kW); a 25 kVA
  // one is loaded less and for fewer hours above 80%.
  assert.match(await page.textContent(byId('peak-rating')), /10 kVA = 9\.5 kW/);
  const auto80 = await text(page, 'hours-over-80-none');
  const autoMax = await text(page, 'max-loading-none');
  assert.ok(autoMax >= 80, `no sharing peaks at ${autoMax}% of 10 kVA`);
  const before = await page.textContent(byId('max-loading-none'));
  await page.selectOption(byId('transformer-kva'), '25');
  await changed(page, 'max-loading-none', before);
  await upToDate(page);
  assert.match(await page.textContent(byId('peak-rating')), /25 kVA = 23\.[78] kW/);
  assert.match(await page.textContent(byId('peak-note')), /never congested — p-MAS has nothing to coordinate/);
  assert.ok(await text(page, 'hours-over-80-none') < auto80);
  assert.equal(await text(page, 'hours-over-rating-none'), 0);

  // A bad power factor is explained, names the field and changes nothing.
  const kept = await page.textContent(byId('hours-over-rating-none'));
  await page.fill(byId('power-factor'), '1.5');
  await page.dispatchEvent(byId('power-factor'), 'change');
  await page.waitForSelector(byId('peak-error'));
  assert.match(await page.textContent(byId('peak-error')), /Power factor must be between/);
  assert.equal(await page.textContent(byId('hours-over-rating-none')), kept);

  // The models' help explains p-MAS.
  await page.click(`${byId('explain')} summary`);
  assert.match(await page.textContent(byId('explain')), /p-MAS peak coordination.*0\.25, 0\.5, 0\.8 and 1\.0.*staggered/s);

  // Another model's heat map.
  await page.selectOption(byId('heatmap-model'), 'none');
  assert.ok(await inked(page, 'classes-chart') > 2000);
  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
});

test('the stressed preset overloads today\'s transformer and the frontier prices a flatter peak', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  const today = await hoursOver(page);
  const rating = await page.textContent(byId('peak-rating'));
  await page.click(byId('stressed-preset'));
  await changed(page, 'hours-over-rating-none', String(today.none));
  await upToDate(page);
  const stressed = await hoursOver(page);
  assert.ok(stressed.none > today.none, JSON.stringify({ today, stressed }));
  assert.equal(await page.textContent(byId('peak-rating')), rating, 'today\'s transformer is kept');
  assert.equal(await page.$eval(byId('transformer-kva'), (el) => el.value) !== 'auto', true);
  await page.waitForSelector(byId('todays-load'));
  // The rating changes the hours over it: 16 kVA carries the grown load for more of the year.
  await page.selectOption(byId('transformer-kva'), '16');
  await changed(page, 'hours-over-rating-none', String(stressed.none));
  await upToDate(page);
  const larger = await hoursOver(page);
  assert.ok(larger.none < stressed.none, JSON.stringify({ stressed, larger }));
  await page.selectOption(byId('transformer-kva'), '10');
  await changed(page, 'hours-over-rating-none', String(larger.none));
  await upToDate(page);

  await page.click(byId('frontier-run'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'frontier ready', byId('frontier-status'), { timeout: 180000 });
  const points = Number(await page.$eval(byId('frontier-chart'), (c) => c.dataset.points));
  assert.ok(points >= 3, `${points} frontier points`);
  assert.ok(await inked(page, 'frontier-chart') > 1000, 'frontier chart has colour');
  assert.equal(await page.$$eval(`${byId('frontier-table')} tbody tr`, (rows) => rows.length), points);
  assert.match(await page.textContent(byId('frontier-shadow-price')), /kW/);
  // A changed scenario marks the frontier as outdated.
  await page.click(byId('todays-load'));
  await page.waitForFunction((sel) => /earlier scenario/.test(document.querySelector(sel)?.textContent ?? ''), byId('frontier-status'));
  await upToDate(page);
  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
});
