// End-to-end: real Indian bills. The Delhi preset with its source, a member's bill as line items
// per month, the community's bill split, a metering-regime switch that changes the results, an
// invalid slab table refused by name while the results stay, the P2P charge on the bill, a
// P2P-charge sweep on the retail tariff, and a single-point connection the society re-bills
// behind (its bulk bill, the split's identity, a bad bulk rate refused, the gap returned) — with
// no console errors.
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
const num = (text) => Number(text.replace(/[,\s₹]/g, '').replace('−', '-'));
const upToDate = (page) => page.waitForFunction(
  (sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 60000 });
const changed = (page, id, before) => page.waitForFunction(
  ([sel, b]) => { const t = document.querySelector(sel)?.textContent; return t && t !== b; }, [byId(id), before], { timeout: 60000 });
/** Type into a number box and commit it, as leaving the box does. */
async function commit(page, id, value) {
  await page.fill(byId(id), value);
  await page.$eval(byId(id), (el) => el.dispatchEvent(new Event('change', { bubbles: true })));
}
const MODELS = ['none', 'bs', 'mmr', 'sdr', 'cloud'];
/** The saved scenario (every scenario the page runs is saved first). */
const saved = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('gridshare.scenario.v1')));
const secondBound = (s) => s.tariff.energy.categories[0].slabs[1].up_to_kwh;
const costs = async (page) => Object.fromEntries(
  await Promise.all(MODELS.map(async (m) => [m, await page.textContent(byId(`kpi-${m}-cost`))])));
/** A model's row of the bill split: members pay, subsidy, DISCOM, society ('—': own meters), platform. */
async function split(page, m) {
  const text = async (i) => page.textContent(byId(`bill-split-${m}-${i}`));
  const society = await text(3);
  const [pay, subsidy, discom, platform] = await Promise.all([0, 1, 2, 4].map(async (i) => num(await text(i))));
  return { pay, subsidy, discom, society: society === '—' ? 0 : num(society), ownMeters: society === '—', platform };
}
/** Members' bills + subsidy = DISCOM + society + platform (P2P payments between members cancel). */
function assertIdentity(m, r) {
  assert.ok(Math.abs(r.pay + r.subsidy - r.discom - r.society - r.platform) <= 3,
    `${m}: ${r.pay} + ${r.subsidy} vs ${r.discom} + ${r.society} + ${r.platform}`);
}

test('Delhi bills: line items per month, the bill split, a regime switch, a bad slab refused, P2P charges', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
  await upToDate(page);
  assert.equal(await page.$(byId('bill-panel')), null, 'no bill panel without a retail tariff');

  // (a) The Delhi preset: its name, year and source, then a member's bill per month.
  const studyNone = await page.textContent(byId('kpi-none-cost'));
  await page.selectOption(byId('tariff-preset'), 'delhi');
  assert.match(await page.textContent(byId('tariff-name')), /Delhi \(DERC\)/);
  assert.match(await page.textContent(byId('tariff-year')), /FY2019-20/);
  assert.match(await page.textContent(byId('tariff-source')), /DERC tariff schedule/);
  assert.ok((await page.$$(`${byId('tariff-notes')} li`)).length >= 3, 'the preset\'s notes are listed');
  await page.waitForSelector(byId('bill-panel'), { timeout: 60000 });
  await changed(page, 'kpi-none-cost', studyNone);
  await upToDate(page);
  assert.equal(await page.$eval(byId('bill-model'), (el) => el.value), 'cloud');
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.periods === '12', byId('bill-chart'));
  const keys = await page.$$eval(`${byId('bill-lines')} tbody tr`, (rows) => rows.map((r) => r.dataset.key));
  assert.ok(keys.includes('energy'), `an energy line: ${keys}`);
  assert.ok(keys.includes('fixed'), `a fixed-charge line: ${keys}`);
  // The lines add up to the total.
  const amounts = await page.$$eval(`${byId('bill-lines')} tbody tr td:last-child`, (cells) => cells.map((c) => c.textContent));
  const total = num(await page.textContent(byId('bill-total')));
  assert.ok(Math.abs(amounts.map(num).reduce((a, b) => a + b, 0) - total) < 0.02, `${amounts} vs ${total}`);
  // Every bill's lines as CSV: the chosen bill's total is there.
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(byId('export-bills-csv'))]);
  const csv = (await readFile(await file.path(), 'utf8')).trim().split('\n');
  assert.equal(csv[0], 'model,member,period,key,line,party,amount_rs');
  const member = await page.$eval(byId('bill-member'), (el) => el.value);
  const row = csv.find((r) => r.startsWith(`cloud,${member},Jan,total,`));
  assert.ok(row && Math.abs(Number(row.split(',').at(-1)) - total) < 0.006, `${row} vs ${total}`);
  // Another member and another month.
  await page.selectOption(byId('bill-member'), 'N20');
  await page.selectOption(byId('bill-period'), '5');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith('Bill for Jun'), `${byId('bill-lines')} caption`);
  // The split: members' bills + subsidy = DISCOM + society + platform; with own meters the
  // society keeps nothing ('—').
  assert.equal(await page.$(byId('bill-split-bulk')), null, 'no bulk bill with own meters');
  for (const m of MODELS) {
    const r = await split(page, m);
    assertIdentity(m, r);
    assert.ok(r.ownMeters, `${m}: no society with own meters`);
    if (m === 'none') assert.equal(r.platform, 0);
    else assert.ok(r.platform > 0, `${m} pays transaction charges`);
  }

  // (b) Net metering → net billing for members who do not share: the results change.
  await page.click(`${byId('retail-editor')} summary`);
  assert.equal(await page.$eval(byId('metering-regime'), (el) => el.value), 'net-metering');
  const netMetering = await costs(page);
  await page.selectOption(byId('metering-regime'), 'net-billing');
  await changed(page, 'kpi-none-cost', netMetering.none);
  await upToDate(page);
  assert.match(await page.textContent(byId('tariff-regime')), /Net billing/);
  assert.match(await page.textContent(byId('tariff-info')), /edited/);
  const netBilling = await costs(page);
  assert.notEqual(netBilling.none, netMetering.none);

  // (c) A second slab's bound below the first is refused by name; nothing runs, results stay.
  await commit(page, 'slab-up-1-2', '150');
  await page.waitForSelector(byId('tariff-error'));
  const message = await page.textContent(byId('tariff-error'));
  assert.match(message, /slabs\[2\]/);
  assert.match(message, /increasing order/);
  await page.waitForTimeout(400);
  assert.equal(await page.textContent('.progress-row span'), 'up to date', 'nothing was run');
  assert.deepEqual(await costs(page), netBilling);
  assert.equal(secondBound(await saved(page)), 400, 'the scenario keeps the valid table');
  assert.ok(await page.$(byId('bill-lines')));
  // A valid bound clears the error and becomes the scenario's.
  await commit(page, 'slab-up-1-2', '450');
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('tariff-error'));
  assert.equal(secondBound(await saved(page)), 450);
  await upToDate(page);

  // The P2P transaction charge (scenario billing settings): a dearer charge, more to the platform.
  const platform = num(await page.textContent(byId('bill-split-sdr-4')));
  await commit(page, 'p2p-charge', '0.84');
  await page.waitForFunction(([sel, b]) => {
    const t = document.querySelector(sel)?.textContent;
    return t && Number(t.replace(/,/g, '')) > b * 1.5;
  }, [byId('bill-split-sdr-4'), platform], { timeout: 60000 });
  await upToDate(page);
  await commit(page, 'p2p-charge', '-1');
  assert.match(await page.textContent(byId('tariff-error')), /billing\.p2p_charge_per_kwh/);
  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
});

test('a P2P-charge sweep and the regime comparison run on the retail tariff (settlement passes)', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
  await page.selectOption(byId('tariff-preset'), 'delhi');
  await page.waitForSelector(byId('bill-panel'), { timeout: 60000 });
  await upToDate(page);
  await page.waitForSelector(byId('sweep-retail-note'));
  await page.selectOption(byId('sweep-parameter'), 'p2p_charge');
  await page.fill(byId('sweep-points'), '3');
  await page.click(byId('sweep-run'));
  await page.waitForFunction((sel) => /settlement pass/.test(document.querySelector(sel)?.textContent ?? ''), byId('sweep-timing'), { timeout: 60000 });
  assert.equal(await page.$(byId('sweep-error')), null);
  await page.click(byId('sweep-cancel'));
  // The time-of-day multiplier does not apply to a retail bill: refused before anything runs.
  await page.selectOption(byId('sweep-parameter'), 'tod_peak_multiplier');
  await page.click(byId('sweep-run'));
  assert.match(await page.textContent(byId('sweep-error')), /retail tariff keeps its own time-of-day/);

  // Which regime? The bill as set (P2P members on net billing), then everyone on each regime.
  await page.click(`${byId('regime-compare')} summary`);
  await page.click(byId('regime-run'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'compared', byId('regime-status'), { timeout: 60000 });
  const rows = await page.$$eval(`${byId('regime-table')} tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows.length, 5, JSON.stringify(rows));
  assert.match(rows[0][0], /as set: net metering, members who share on net billing/);
  // The page's own no-sharing card is the "as set" row's no-sharing cost (same scenario).
  assert.equal(rows[0][1], await page.textContent(byId('kpi-none-cost')));
  const byLabel = Object.fromEntries(rows.map((r) => [r[0], r]));
  assert.notEqual(byLabel['everyone on gross metering'][1], byLabel['everyone on net metering'][1]);
  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
});

test('a single-point connection: the bulk bill, the society re-bills, a bad bulk rate refused, the gap returned', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
  await page.selectOption(byId('tariff-preset'), 'delhi');
  await page.waitForSelector(byId('bill-panel'), { timeout: 60000 });
  await upToDate(page);
  const own = await split(page, 'cloud');

  // One single-point connection: the split names the bulk bill and the society keeps its gap.
  await page.click(`${byId('retail-editor')} summary`);
  assert.equal(await page.$eval(byId('connection-kind'), (el) => el.value), 'own-meters');
  assert.equal(await page.$(byId('sp-energy')), null, 'no bulk rate with own meters');
  await page.selectOption(byId('connection-kind'), 'single-point');
  assert.equal(await page.$eval(byId('sp-energy'), (el) => el.value), '4.5');
  assert.equal(await page.$eval(byId('sp-fixed'), (el) => el.value), '150');
  assert.equal(await page.$eval(byId('sp-contract'), (el) => el.value), '', "the transformer's rating");
  await page.waitForSelector(byId('bill-split-bulk'), { timeout: 60000 });
  await upToDate(page);
  const note = await page.textContent(byId('bill-split-bulk'));
  assert.match(note, /single-point bulk supply/);
  assert.match(note, /the society pays the DISCOM ₹[\d,]+\.\d\d for [\d,]+ units over the run \(contract load [\d,]+ kW/);
  assert.match(note, /re-billed members lose the state subsidy/);
  assert.match(note, /the society keeps the gap/);
  assert.equal((await saved(page)).settings.billing.single_point.energy_per_kwh, 4.5);
  // A member's bill is the society's re-bill.
  assert.match(await page.textContent(byId('bill-from')), /from the housing society/);
  assert.match(await page.textContent(`${byId('bill-lines')} caption`), /billed by the society/);
  const keep = {};
  for (const m of MODELS) {
    keep[m] = await split(page, m);
    assert.ok(!keep[m].ownMeters, `${m}: a society column`);
    assertIdentity(m, keep[m]);
  }
  assert.notEqual(keep.cloud.discom, own.discom, 'the DISCOM now bills the bulk meter');

  // (b) A bad bulk rate is refused by the engine's field name; nothing runs, results stay.
  const before = await costs(page);
  await commit(page, 'sp-energy', '-1');
  await page.waitForSelector(byId('tariff-error'));
  assert.match(await page.textContent(byId('tariff-error')), /billing\.single_point\.energy_per_kwh/);
  await page.waitForTimeout(400);
  assert.equal(await page.textContent('.progress-row span'), 'up to date', 'nothing was run');
  assert.deepEqual(await costs(page), before);
  assert.equal((await saved(page)).settings.billing.single_point.energy_per_kwh, 4.5);
  assert.equal(await page.textContent(byId('bill-split-bulk')), note);

  // (c) The gap returned to members: the society keeps (nearly) nothing, members pay less.
  await page.selectOption(byId('sp-gap'), 'refund');
  await page.waitForFunction((sel) => /goes back to the members/.test(document.querySelector(sel)?.textContent ?? ''),
    byId('bill-split-bulk'), { timeout: 60000 });
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('tariff-error'));
  await upToDate(page);
  assert.equal((await saved(page)).settings.billing.single_point.gap, 'refund');
  for (const m of MODELS) {
    const r = await split(page, m);
    assertIdentity(m, r);
    assert.ok(Math.abs(r.society) <= 3, `${m}: the society keeps ${r.society} after returning the gap`);
    if (keep[m].society > 3) assert.ok(r.pay < keep[m].pay, `${m}: members pay ${r.pay}, were ${keep[m].pay}`);
  }

  // (d) Leaving the retail bills returns to own meters (a single point needs a retail bill).
  await page.selectOption(byId('tariff-preset'), 'study');
  await page.waitForFunction((sel) => !document.querySelector(sel), byId('bill-panel'), { timeout: 60000 });
  await upToDate(page);
  assert.equal((await saved(page)).settings.billing.single_point, null);
  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
});
