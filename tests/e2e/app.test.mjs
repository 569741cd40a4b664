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
  // First results: the four settle-only models; then the coordinator's year.
  await page.waitForSelector(byId('kpi-sdr-cost'), { timeout: 30000 });
  const firstResultsMs = Date.now() - started;
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  const allFiveMs = Date.now() - started;
  const costs = {};
  for (const m of MODELS) {
    costs[m] = Number((await page.textContent(byId(`kpi-${m}-cost`))).replace(/[,\s]/g, '').replace('−', '-'));
    assert.ok(Number.isFinite(costs[m]) && costs[m] > 0, `${m}: ${costs[m]}`);
  }
  // Every sharing model beats no sharing on comparable costs (bills, energy not served, wear).
  assert.ok(costs.cloud < costs.none && costs.sdr < costs.none, JSON.stringify(costs));
  assert.equal(costs.bs, costs.sdr, 'BS, MMR and SDR settle the same net energy: same community cost');
  // The savings chart is drawn (green and orange bars, not a blank canvas).
  const inkedSavings = await page.$eval(byId('savings-chart'), (canvas) => {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 40 || Math.abs(d[i + 1] - d[i + 2]) > 40) n++;
    return n;
  });
  assert.ok(inkedSavings > 500, `savings chart has ${inkedSavings} coloured pixels`);
  const inkedClasses = await page.$eval(byId('classes-chart'), (canvas) => {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 40 || Math.abs(d[i + 1] - d[i + 2]) > 40) n++;
    return n;
  });
  assert.ok(inkedClasses > 500, `load-class chart has ${inkedClasses} coloured pixels`);
  await page.click(`${byId('explain')} summary`);
  assert.match(await page.textContent(byId('explain')), /Pr_sell = λ_sell·λ_buy/);

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
  console.log(`first results (four models) after ${firstResultsMs} ms, all five after ${allFiveMs} ms`);
  assert.deepEqual(errors, [], 'no console errors');
});

const num = (text) => Number(text.replace(/[,\s]/g, '').replace('−', '-'));

test('export CSV totals match the page; reload restores the scenario', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(byId('export-csv'))]);
  const text = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  const rows = text.trim().split('\n');
  const head = rows[0].split(',');
  assert.deepEqual(head.slice(0, 6), ['model', 'member', 'bill', 'reference_bill', 'savings', 'energy_bill']);
  const [bill, unserved, wear, comparable, ens] = ['bill', 'unserved_value', 'battery_wear_cost', 'comparable_cost', 'energy_not_served_kwh'].map((c) => head.indexOf(c));
  assert.ok(ens > 0, 'energy not served per member is exported');
  for (const model of MODELS) {
    let total = 0;
    for (const row of rows.slice(1)) {
      const f = row.split(',');
      if (f[0] !== model) continue;
      assert.ok(Math.abs(Number(f[bill]) + Number(f[unserved]) + Number(f[wear]) - Number(f[comparable])) < 1e-6);
      total += Number(f[comparable]);
    }
    const shown = num(await page.textContent(byId(`kpi-${model}-cost`)));
    assert.ok(Math.abs(total - shown) <= 1, `${model}: CSV ${total} vs page ${shown}`);
  }

  // Choose the time-of-day tariff, wait for its results, reload: the choice is still there.
  const before = await page.textContent(byId('kpi-none-cost'));
  await page.selectOption(byId('tariff-preset'), 'tod');
  await page.waitForFunction(([sel, b]) => document.querySelector(sel)?.textContent !== b, [byId('kpi-none-cost'), before], { timeout: 30000 });
  const tod = await page.textContent(byId('kpi-none-cost'));
  await page.reload();
  await page.waitForSelector(byId('kpi-none-cost'), { timeout: 30000 });
  assert.equal(await page.$eval(byId('tariff-preset'), (el) => el.value), 'tod');
  assert.equal(await page.textContent(byId('kpi-none-cost')), tod);
  assert.deepEqual(errors, [], 'no console errors');
});

test('uploading profiles runs them; a bad file names the line and keeps the previous results', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  let csv = 'timestamp,member_id,load_kw,pv_kw\n';
  for (let h = 0; h < 48; h++) {
    const ts = `2025-06-0${1 + Math.floor(h / 24)}T${String(h % 24).padStart(2, '0')}:00`;
    const sun = h % 24 >= 8 && h % 24 < 17 ? 1 : 0;
    csv += `${ts},H1,0.4,${2 * sun}\n${ts},H2,0.6,0\n${ts},H3,0.5,0\n`;
  }
  await page.setInputFiles(byId('upload-profiles'), { name: 'three-homes.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('three-homes.csv'), byId('scenario-name'), { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
  const uploaded = await page.textContent(byId('kpi-sdr-cost'));
  assert.ok(num(uploaded) > 0);

  const bad = 'timestamp,member_id,load_kw\n2025-06-01T00:00,H1,0.4\n2025-06-01T00:00,H2,-3\n';
  await page.setInputFiles(byId('upload-profiles'), { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /bad\.csv, line 3, column 'load_kw': -3 is negative/);
  assert.match(await page.textContent(byId('scenario-name')), /three-homes\.csv/);
  assert.equal(await page.textContent(byId('kpi-sdr-cost')), uploaded);
  assert.deepEqual(errors, [], 'no console errors');
});

test('a fault scenario runs: a failed member and a coordinator outage change the cloud-P2P result only', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
  const cloud = await page.textContent(byId('kpi-cloud-cost'));
  const sdr = await page.textContent(byId('kpi-sdr-cost'));
  await page.click(`${byId('community-panel')} summary`);
  await page.selectOption(byId('fault-member'), 'N21');
  await page.fill(byId('fault-from'), '150');
  await page.fill(byId('fault-to'), '200');
  await page.click(byId('apply-member-fault'));
  await page.fill(byId('fault-from'), '10');
  await page.fill(byId('fault-to'), '40');
  await page.click(byId('apply-coordinator-fault'));
  assert.match(await page.textContent(byId('faults')), /N21's agent fails from hour 3600 to 4800; the coordinator is unreachable from hour 240 to 960/);
  await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before, [byId('kpi-cloud-cost'), cloud], { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
  assert.equal(await page.textContent(byId('kpi-sdr-cost')), sdr, 'agent and coordinator faults concern the coordinator only');
  // A two-day grid outage: every model loses load; the cloud serves more of it by islanding.
  const ensBefore = await page.textContent(byId('kpi-none-cost'));
  await page.fill(byId('fault-from'), '100');
  await page.fill(byId('fault-to'), '102');
  await page.click(byId('apply-grid-fault'));
  assert.match(await page.textContent(byId('faults')), /the grid is down from hour 2400 to 2448/);
  await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before, [byId('kpi-none-cost'), ensBefore], { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
  assert.deepEqual(errors, [], 'no console errors');
});

test('the members table edits a member and the results follow', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
  await page.click(`${byId('community-panel')} summary`);
  assert.equal(await page.$$eval(`${byId('members-table')} tbody tr`, (rows) => rows.length), 30);
  const sdr = await page.textContent(byId('kpi-sdr-cost'));
  // N07 (a basic rural home) gets 2 kWp of PV: the community's costs fall.
  await page.fill(byId('member-pv-N07'), '2');
  await page.press(byId('member-pv-N07'), 'Enter');
  await page.dispatchEvent(byId('member-pv-N07'), 'change');
  await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before, [byId('kpi-sdr-cost'), sdr], { timeout: 30000 });
  assert.ok(num(await page.textContent(byId('kpi-sdr-cost'))) < num(sdr));
  // A bad value is refused with a message naming the member and field.
  await page.fill(byId('member-flex-N07'), '3');
  await page.dispatchEvent(byId('member-flex-N07'), 'change');
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /N07 flexible share: '3' must be a number from 0 to 1/);
  assert.deepEqual(errors, [], 'no console errors');
});

test('a members file sets PV and batteries; a bad one names the line', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 30000 });
  const sdr = await page.textContent(byId('kpi-sdr-cost'));
  const good = 'member_id,archetype,pv_kwp,battery_kwh,battery_kw\nN01,A1,2,4,2\nN02,A1,1.5,0,0\n';
  await page.setInputFiles(byId('upload-members'), { name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before, [byId('kpi-sdr-cost'), sdr], { timeout: 30000 });
  assert.ok(num(await page.textContent(byId('kpi-sdr-cost'))) < num(sdr), 'more PV, lower costs');
  const changed = await page.textContent(byId('kpi-sdr-cost'));
  const bad = 'member_id,archetype,pv_kwp,battery_kwh,battery_kw\nN01,A9,2,0,0\n';
  await page.setInputFiles(byId('upload-members'), { name: 'm.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.waitForSelector(byId('error'));
  assert.match(await page.textContent(byId('error')), /m\.csv, line 2, column 'archetype': 'A9' is not A1–A5/);
  assert.equal(await page.textContent(byId('kpi-sdr-cost')), changed);
  assert.deepEqual(errors, [], 'no console errors');
});
