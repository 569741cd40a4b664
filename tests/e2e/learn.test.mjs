// End-to-end: the tariff sensitivity sweep (and, below, the playground, tour and A/B).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
const num = (text) => Number(text.replace(/[,\s%]/g, '').replace('−', '-'));
const upToDate = (page) => page.waitForFunction(
  (sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
const setRange = (page, id, value) => page.$eval(byId(id), (el, v) => {
  el.value = v; el.dispatchEvent(new Event('input', { bubbles: true }));
}, String(value));

test('a 10-point feed-in sweep runs in the browser, marks break-evens and its CSV matches single runs', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await upToDate(page);
  await page.fill(byId('sweep-from'), '0.5');
  await page.fill(byId('sweep-to'), '9.5');
  await page.fill(byId('sweep-points'), '10');
  await page.click(byId('sweep-run'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('settlement pass'), byId('sweep-timing'), { timeout: 30000 });
  const settleMs = num((await page.textContent(byId('sweep-timing'))).match(/settlement pass ([\d.]+) ms/)[1]);
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'sweep complete', byId('sweep-status'), { timeout: 120000 });
  console.log(`10-point settlement sweep: ${settleMs} ms from request to the last point; ${await page.textContent(byId('sweep-timing'))}`);
  // Speed is the benchmarks' business (scripts/bench.sh); here only what a user relies on: the
  // quick settlement pass answers well before the full one (a ratio measured in one run).
  const timing = await page.textContent(byId('sweep-timing'));
  const full = timing.match(/full pass ([\d.]+) (ms|s)/);
  assert.ok(full, timing);
  const fullMs = num(full[1]) * (full[2] === 's' ? 1000 : 1);
  assert.ok(settleMs * 3 < fullMs, `settlement pass ${settleMs} ms vs full pass ${fullMs} ms`);
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(byId('sweep-csv'))]);
  const rows = (await readFile(await file.path(), 'utf8')).trim().split('\n');
  assert.equal(rows[0], 'feed_in_price,model,community_cost,consumer_savings_pct,prosumer_income,performance_measure');
  assert.equal(rows.length, 1 + 10 * 5);
  const ink = await page.$eval(byId('sweep-chart'), (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 40 || Math.abs(d[i + 1] - d[i + 2]) > 40) n++;
    return n;
  });
  assert.ok(ink > 2000, `sweep chart has ${ink} coloured pixels`);
  // A lower feed-in price makes BS's consumers pay more for the shared pool: some break-even shows up.
  assert.match(await page.textContent(byId('sweep-breakevens')), /(stop|start) gaining against no sharing above Feed-in price/);

  // Two points of the sweep against single runs of the app with that feed-in price.
  for (const value of ['2.5', '6.5']) {
    await setRange(page, 'price-sell', value);
    await page.waitForFunction((v) => document.querySelector('[data-testid="price-sell"]').value === v, value);
    await page.waitForFunction(() => document.querySelector('[data-testid="kpi-cloud"]')?.dataset.stale === 'true', null, { timeout: 10000 }).catch(() => {});
    await upToDate(page);
    for (const model of ['none', 'bs', 'mmr', 'sdr', 'cloud']) {
      const row = rows.find((r) => r.startsWith(`${value},${model},`)).split(',');
      const shownCost = num(await page.textContent(byId(`kpi-${model}-cost`)));
      assert.ok(Math.abs(Number(row[2]) - shownCost) <= 1, `${model} at ${value}: CSV ${row[2]} vs page ${shownCost}`);
      const shownConsumer = num(await page.textContent(byId(`kpi-${model}-consumer`)));
      assert.ok(Math.abs(Number(row[3]) - shownConsumer) <= 0.051, `${model} consumer at ${value}: CSV ${row[3]} vs page ${shownConsumer}`);
    }
  }
  // An impossible range is refused before anything runs, naming the value.
  await page.fill(byId('sweep-to'), '12');
  await page.click(byId('sweep-run'));
  await page.waitForSelector(byId('sweep-error'));
  assert.match(await page.textContent(byId('sweep-error')), /Feed-in price[^=]*\(₹\/kWh\) = 10\.7.*must be below buy_per_kwh.*nothing was swept/);
  assert.deepEqual(errors, []);
});

test('the playground: moving a household to seller changes SDR and every bill; budget balance holds', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('bill-sdr-1'), { timeout: 30000 });
  assert.equal(await page.textContent(byId('sdr')), '0.500');
  const bills = {};
  for (const rule of ['bs', 'mmr', 'sdr']) for (const k of [1, 2, 3]) bills[`${rule}-${k}`] = await page.textContent(byId(`bill-${rule}-${k}`));
  // Household 2 (a buyer of 1 kWh) slides to selling 2 kWh.
  await setRange(page, 'slider-2', '-2');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1.750', byId('sdr'));
  assert.equal(await page.textContent(byId('tsp')), '3.50');
  for (const [key, before] of Object.entries(bills)) {
    assert.notEqual(await page.textContent(byId(`bill-${key}`)), before, `bill ${key} did not change`);
  }
  assert.match(await page.textContent(byId('budget-balance')), /Budget balance holds: under every sharing rule Σ bills = -?[\d.]+ ₹ = the community's grid bill ✓/);
  // SDR > 1: everything trades at the feed-in price under SDR.
  assert.equal(await page.textContent(byId('price-sdr-buy')), '8.00');
  // A formula is one click away.
  await page.click(`${byId('formula-sdr')} summary`);
  assert.match(await page.textContent(byId('formula-sdr')), /SDR = TSP \/ TBP/);
  // More households, and the grid price slider.
  await page.click(byId('add-household'));
  await page.waitForSelector(byId('bill-sdr-4'));
  await setRange(page, 'hour-slider-buy', '12');
  await page.waitForFunction((sel) => document.querySelector(sel)?.value === '12', byId('hour-price-buy'));
  assert.match(await page.textContent(byId('budget-balance')), /holds/);
  const ink = await page.$eval(byId('price-curves'), (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 40 || Math.abs(d[i + 1] - d[i + 2]) > 40) n++;
    return n;
  });
  assert.ok(ink > 1000, `price curves have ${ink} coloured pixels`);
  assert.deepEqual(errors, []);
});

test('scenario A/B: today\'s tariff against a proposal, differences highlighted, swap', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await upToDate(page);
  const todayNone = num(await page.textContent(byId('kpi-none-cost')));
  await page.click(byId('pin-a'));
  await page.waitForSelector(byId('ab-table'));
  // The proposal: feed-in 3 instead of 8.
  await setRange(page, 'price-sell', '3');
  await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent.includes('sell 3 '), [byId('ab-b'), null]);
  await upToDate(page);
  const proposalNone = num(await page.textContent(byId('kpi-none-cost')));
  const row = await page.$$eval(`${byId('ab-none')} td`, (tds) => tds.map((td) => [td.textContent, td.className]));
  assert.ok(Math.abs(num(row[0][0].replace('₹', '')) - todayNone) <= 1, `A's cost ${row[0][0]} vs ${todayNone}`);
  const diff = num(row[2][0].replace('₹', ''));
  assert.ok(Math.abs(diff - (proposalNone - todayNone)) <= 1, `B − A ${diff} vs ${proposalNone - todayNone}`);
  assert.match(row[2][1], /worse/, 'a higher no-sharing cost is marked worse');
  assert.match(await page.textContent(byId('ab-a')), /sell 8 ₹\/kWh/);
  // Swap: the page shows A again and B becomes the pinned one.
  await page.click(byId('swap-ab'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('sell 3 '), byId('ab-a'));
  await upToDate(page);
  assert.equal(await page.$eval(byId('price-sell'), (el) => el.value), '8');
  assert.equal(num(await page.textContent(byId('kpi-none-cost'))), todayNone);
  assert.deepEqual(errors, []);
});

test('the guided tour drives the real app by keyboard, can be skipped and resumed, and completes', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await upToDate(page);
  const none = await page.textContent(byId('kpi-none-cost'));
  await page.click(byId('tour-start'));
  await page.waitForSelector(byId('tour'));
  assert.equal(await page.textContent(byId('tour-title')), 'Consumers and prosumers');
  // The highlighted element is the step's target, and the panel it lives in was opened.
  assert.equal(await page.$eval('.tour-highlight', (el) => el.dataset.testid), 'members-table');
  assert.equal(await page.$eval(byId('community-panel'), (el) => el.open), true);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('[data-testid="tour"]')?.dataset.step === '2');
  // Step 2 moved household 2 to seller in the playground.
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1.750', byId('sdr'));
  // Skip with Esc, then resume at step 2.
  await page.keyboard.press('Escape');
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('tour'));
  assert.equal(await page.$$eval('.tour-highlight', (els) => els.length), 0);
  await page.reload();
  await page.waitForSelector(byId('tour-resume'));
  assert.match(await page.textContent(byId('tour-resume')), /step 2/);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await page.click(byId('tour-resume'));
  await page.waitForFunction(() => document.querySelector('[data-testid="tour"]')?.dataset.step === '2');
  const titles = [];
  for (let step = 3; step <= 10; step++) {
    await page.keyboard.press('Enter'); // "Next" has the focus
    await page.waitForFunction((n) => document.querySelector('[data-testid="tour"]')?.dataset.step === String(n), step);
    titles.push(await page.textContent(byId('tour-title')));
    if (step === 6) {
      // The tariff step set the feed-in price to 3 through the real slider: results follow.
      assert.equal(await page.$eval(byId('price-sell'), (el) => el.value), '3');
      await page.waitForFunction(([sel, b]) => document.querySelector(sel)?.textContent !== b, [byId('kpi-none-cost'), none], { timeout: 30000 });
    }
  }
  assert.ok(titles.includes('Why cloud-P2P changes the total') && titles.includes('Peaks and the transformer'), titles.join(' | '));
  assert.equal(await page.$eval('.tour-highlight', (el) => el.dataset.testid), 'sweep');
  await page.keyboard.press('Enter'); // Finish
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('tour'));
  assert.equal(await page.$$eval(byId('tour-resume'), (els) => els.length), 0, 'a finished tour has nothing to resume');
  assert.deepEqual(errors, []);
});
