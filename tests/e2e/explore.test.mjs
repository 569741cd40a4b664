// End-to-end: the "over time" charts, per-step export, the tariff editor, scenario files,
// drag-and-drop, quick settle-only answers and the phone layout.
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
const num = (text) => Number(text.replace(/[,\s]/g, '').replace('−', '-'));
const upToDate = (page) => page.waitForFunction(
  (sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
const changed = (page, id, before) => page.waitForFunction(
  ([sel, b]) => { const t = document.querySelector(sel)?.textContent; return t && t !== b; }, [byId(id), before], { timeout: 30000 });
async function ready(page) {
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await upToDate(page);
}
/** A hash of a canvas's pixels and how many are coloured (not grey). */
const canvasInk = (page, id) => page.$eval(byId(id), (canvas) => {
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let coloured = 0; let hash = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - d[i + 1]) > 40 || Math.abs(d[i + 1] - d[i + 2]) > 40) coloured++;
    hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
  }
  return { coloured, hash };
});
async function download(page, id) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(byId(id))]);
  return readFile(await file.path(), 'utf8');
}

test('over-time charts follow the chosen model and day; the per-step CSV adds up to the bills', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  for (const id of ['power-chart', 'prices-chart', 'ess-chart']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.coloured > 500, `${id} has ${ink.coloured} coloured pixels`);
  }
  const power = await canvasInk(page, 'power-chart');
  await page.click(byId('timeline-next'));
  await page.waitForFunction(([sel, h]) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let hash = 0;
    for (let i = 0; i < d.length; i += 4) hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
    return hash !== h;
  }, [byId('power-chart'), power.hash]);
  assert.equal(await page.$eval(byId('timeline-day'), (el) => el.value), '142');
  const prices = await canvasInk(page, 'prices-chart');
  await page.selectOption(byId('timeline-model'), 'cloud');
  await page.selectOption(byId('timeline-span'), 'week');
  await page.waitForFunction(() => true);
  assert.notEqual((await canvasInk(page, 'prices-chart')).hash, prices.hash);

  // Per step: Σ_t (import·λ_buy − export·λ_sell) of homes alone = Σ members' no-sharing bills.
  const steps = (await download(page, 'export-steps-csv')).trim().split('\n');
  assert.equal(steps.length, 8761);
  const head = steps[0].split(',');
  const col = (name) => { const i = head.indexOf(name); assert.ok(i >= 0, name); return i; };
  const [buy, sell, imp, exp, cimp, cexp] = ['buy_per_kwh', 'sell_per_kwh', 'none_import_kw', 'none_export_kw', 'cloud_import_kw', 'cloud_export_kw'].map(col);
  let noneBill = 0; let cloudGrid = 0;
  for (const row of steps.slice(1)) {
    const f = row.split(',').map(Number);
    noneBill += f[imp] * f[buy] - f[exp] * f[sell];
    cloudGrid += f[cimp] * f[buy] - f[cexp] * f[sell];
  }
  const members = (await download(page, 'export-csv')).trim().split('\n').slice(1).map((r) => r.split(','));
  const memberBills = members.filter((f) => f[0] === 'none').reduce((s, f) => s + Number(f[2]), 0);
  assert.ok(Math.abs(noneBill - memberBills) <= 1e-3 * Math.abs(memberBills), `per step ${noneBill} vs per member ${memberBills}`);
  const report = JSON.parse(await download(page, 'export-json'));
  const cloud = report.models.find((m) => m.model === 'cloud');
  assert.ok(Math.abs(cloudGrid - cloud.grid_bill) <= 1e-3 * Math.abs(cloud.grid_bill), `cloud grid ${cloudGrid} vs ${cloud.grid_bill}`);
  assert.deepEqual(errors, []);
});

test('a tariff change answers at once for four models, then cloud-P2P; the ToU table and BS horizon work', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  const none = await page.textContent(byId('kpi-none-cost'));
  const bs = await page.textContent(byId('kpi-bs-cost'));
  const cloud = await page.textContent(byId('kpi-cloud-cost'));
  const t0 = Date.now();
  await page.$eval(byId('price-buy'), (el) => { el.value = '12'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  await changed(page, 'kpi-none-cost', none);
  const quickMs = Date.now() - t0;
  // The quick answer keeps the previous cloud-P2P card on show, marked as updating.
  const staleSeen = await page.$eval(byId('kpi-cloud'), (el) => el.dataset.stale);
  await upToDate(page);
  const fullMs = Date.now() - t0;
  assert.equal(await page.$eval(byId('kpi-cloud'), (el) => el.dataset.stale), 'false');
  assert.notEqual(await page.textContent(byId('kpi-cloud-cost')), cloud);
  console.log(`tariff change: four models after ${quickMs} ms (cloud card stale: ${staleSeen}), all five after ${fullMs} ms`);

  // The 24-hour table: a pricier evening hour makes the tariff the user's own.
  const before = await page.textContent(byId('kpi-none-cost'));
  await page.click(`${byId('tou-table')} summary`);
  assert.equal(await page.$eval(byId('tou-buy-19'), (el) => el.value), '12');
  await page.fill(byId('tou-buy-19'), '20');
  await page.dispatchEvent(byId('tou-buy-19'), 'change');
  await changed(page, 'kpi-none-cost', before);
  assert.equal(await page.$eval(byId('tariff-preset'), (el) => el.value), 'hourly');
  assert.ok(num(await page.textContent(byId('kpi-none-cost'))) > num(before));
  await upToDate(page);
  // A feed-in above retail at 07:00 is refused, naming the hour; results stay.
  const kept = await page.textContent(byId('kpi-none-cost'));
  await page.fill(byId('tou-sell-7'), '30');
  await page.dispatchEvent(byId('tou-sell-7'), 'change');
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /Hour 07:00/);
  assert.equal(await page.textContent(byId('kpi-none-cost')), kept);
  await page.fill(byId('tou-sell-7'), '8');
  await page.dispatchEvent(byId('tou-sell-7'), 'change');
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('error'));
  await upToDate(page);

  // Bill Sharing settled once a year instead of monthly changes BS's bills, not its total.
  const bsTotal = await page.textContent(byId('kpi-bs-cost'));
  const bsConsumer = await page.textContent(byId('kpi-bs-consumer'));
  await page.selectOption(byId('bs-horizon'), 'step');
  await changed(page, 'kpi-bs-consumer', bsConsumer);
  assert.equal(await page.textContent(byId('kpi-bs-cost')), bsTotal);
  assert.notEqual(bs, undefined);
  assert.deepEqual(errors, []);
});

test('a downloaded scenario uploads again (also by drag-and-drop); a broken one names file and line', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  const study = await page.textContent(byId('kpi-none-cost'));
  await page.selectOption(byId('tariff-preset'), 'flat');
  await changed(page, 'kpi-none-cost', study);
  await upToDate(page);
  const flat3 = await page.textContent(byId('kpi-none-cost'));
  await page.$eval(byId('price-sell'), (el) => { el.value = '2'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  await changed(page, 'kpi-none-cost', flat3);
  await upToDate(page);
  const flat = await page.textContent(byId('kpi-none-cost'));
  const scenario = await download(page, 'download-scenario');
  assert.match(scenario, /"version": 4/);
  await page.click(byId('reset'));
  await changed(page, 'kpi-none-cost', flat);
  await upToDate(page);
  await page.setInputFiles(byId('upload-scenario'), { name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(scenario) });
  await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent === v, [byId('kpi-none-cost'), flat], { timeout: 30000 });
  assert.equal(await page.$eval(byId('tariff-preset'), (el) => el.value), 'flat');
  assert.equal(await page.$eval(byId('price-sell'), (el) => el.value), '2');

  const broken = scenario.replace('"version": 4,', '"version": 4,\n  "tariff": oops,');
  await page.setInputFiles(byId('upload-scenario'), { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(broken) });
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /broken\.json.*line 3/);
  assert.equal(await page.textContent(byId('kpi-none-cost')), flat);

  // Drag-and-drop a profiles file onto the drop zone.
  let csv = 'timestamp,member_id,load_kw\n';
  for (let h = 0; h < 24; h++) csv += `2025-06-01T${String(h).padStart(2, '0')}:00,A,0.5\n2025-06-01T${String(h).padStart(2, '0')}:00,B,0.7\n`;
  const dt = await page.evaluateHandle((text) => {
    const d = new DataTransfer();
    d.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
    return d;
  }, csv);
  await page.dispatchEvent(byId('dropzone'), 'drop', { dataTransfer: dt });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('dropped.csv'), byId('scenario-name'), { timeout: 30000 });
  assert.deepEqual(errors, []);
});

test('on a phone the page fits the screen and the results are readable', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors, { width: 390, height: 844 });
  await ready(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  const card = await page.$eval(byId('kpi-cloud'), (el) => el.getBoundingClientRect().width);
  assert.ok(card >= 150, `KPI card ${card}px wide`);
  const chart = await page.$eval(byId('power-chart'), (el) => el.getBoundingClientRect().width);
  assert.ok(chart <= 390 && chart >= 300, `chart ${chart}px wide`);
  // Keyboard: the tariff selector is reachable and operable without a mouse.
  await page.focus(byId('tariff-preset'));
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((sel) => document.querySelector(sel).value === 'tod', byId('tariff-preset'));
  assert.deepEqual(errors, []);
});

test('a larger community runs in the worker; the members table pages and filters', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  await page.click(`${byId('community-panel')} summary`);
  await page.fill(byId('members'), '300');
  await page.dispatchEvent(byId('members'), 'change');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'page 1 of 10', byId('members-page'), { timeout: 60000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 60000 });
  assert.match(await page.textContent(byId('run-stats')), /last run \d+\.\d s · engine memory \d+ MB/);
  assert.equal(await page.$$eval(`${byId('members-table')} tbody tr`, (rows) => rows.length), 30);
  await page.click(byId('members-next'));
  await page.waitForSelector(byId('member-row-N031'));
  await page.fill(byId('members-filter'), 'N29');
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 10, `${byId("members-table")} tbody tr`);
  assert.equal(await page.textContent(byId('members-page')), 'page 1 of 1');
  const costs = {};
  for (const m of ['none', 'sdr', 'cloud']) costs[m] = num(await page.textContent(byId(`kpi-${m}-cost`)));
  assert.ok(costs.cloud < costs.none && costs.sdr < costs.none, JSON.stringify(costs));
  assert.deepEqual(errors, []);
});

test('the mix changes the community; every chart downloads as PNG; a panic shows a recoverable banner', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  await page.click(`${byId('community-panel')} summary`);
  const none = await page.textContent(byId('kpi-none-cost'));
  assert.equal(await page.$eval(byId('mix-a4'), (el) => el.value), '1');
  await page.fill(byId('mix-a4'), '10');
  await page.dispatchEvent(byId('mix-a4'), 'change');
  await changed(page, 'kpi-none-cost', none);
  assert.ok(num(await page.textContent(byId('kpi-none-cost'))) > num(none), 'more air-conditioned homes cost more');
  await page.fill(byId('mix-a1'), '-1');
  await page.dispatchEvent(byId('mix-a1'), 'change');
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /Mix A1/);
  await upToDate(page);
  for (const id of ['png-savings', 'png-classes', 'png-power', 'png-prices', 'png-ess']) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(byId(id))]);
    const bytes = await readFile(await file.path());
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG', id);
    assert.ok(bytes.length > 5000, `${id}: ${bytes.length} bytes`);
  }
  assert.deepEqual(errors, []);

  // A deliberate panic on the page: a banner says so and offers a reload that restores the scenario.
  // (Same page and storage; the panic's console messages are expected from here on.)
  const crashed = page;
  await crashed.goto(`${server.url}?debug-panic`);
  await crashed.waitForSelector(byId('crash'), { timeout: 30000 });
  assert.match(await crashed.textContent(byId('crash')), /Something went wrong.*deliberate panic/s);
  await crashed.goto(server.url);
  await crashed.waitForSelector(byId('kpi-none-cost'), { timeout: 30000 });
  assert.equal(await crashed.$eval(byId('mix-a4'), (el) => el.value), '10', 'the scenario survived the crash');
});
