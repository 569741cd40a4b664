// End-to-end: a fair comparison — the gain split beside the cards adds up to cloud-P2P's
// figure, community islanding and the forecast are settings that change it, bad settings are
// refused, and a 30-minute run works.
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
const ready = async (page) => { await page.waitForSelector(byId('gain-total'), { timeout: 60000 }); await upToDate(page); };
const text = async (page, id) => num(await page.textContent(byId(id)));
const changed = (page, id, before) => page.waitForFunction(
  ([sel, b]) => { const t = document.querySelector(sel)?.textContent; return t && t !== b; }, [byId(id), before], { timeout: 60000 });

async function split(page) {
  const parts = {};
  for (const k of ['netting', 'islanding', 'coordination', 'total']) parts[k] = await text(page, `gain-${k}`);
  return parts;
}

test('cloud-P2P\'s card comes before its perfect-foresight twin: the VPI is announced, then shown', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
  // One synchronous read of the page: the status, the cloud card and the gain split's VPI lines.
  const snapshot = () => page.evaluate((ids) => ({
    status: document.querySelector('.progress-row span')?.textContent,
    stale: document.querySelector(ids.cloud)?.dataset.stale,
    pending: !!document.querySelector(ids.pending),
    vpi: !!document.querySelector(ids.vpi),
  }), { cloud: byId('kpi-cloud'), pending: byId('gain-vpi-pending'), vpi: byId('gain-vpi') });
  const first = await snapshot();
  if (first.status !== 'up to date') {
    // The five-model answer is on show and current; only the twin is still running.
    assert.equal(first.stale, 'false', JSON.stringify(first));
    assert.ok(first.pending && !first.vpi, JSON.stringify(first));
  }
  await upToDate(page);
  const done = await snapshot();
  assert.ok(done.vpi && !done.pending, JSON.stringify(done));
  console.log(`five models shown while '${first.status}'; then the VPI`);
  assert.deepEqual(errors, []);
});

test('the gain split adds up to the cloud card, and islanding and the forecast change it', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  const on = await split(page);
  const none = await text(page, 'kpi-none-cost');
  const cloud = await text(page, 'kpi-cloud-cost');
  // Rounded to ₹1 each: the parts add up to the total and the total to the cards' difference.
  assert.ok(Math.abs(on.netting + on.islanding + on.coordination - on.total) <= 2, JSON.stringify(on));
  assert.ok(Math.abs(on.total - (none - cloud)) <= 2, `${on.total} vs ${none} − ${cloud}`);
  assert.ok(on.islanding > 0, 'the default village has outages and islands together');
  for (const k of ['netting', 'islanding', 'coordination']) {
    const width = await page.$eval(byId(`gain-bar-${k}`), (el) => el.getBoundingClientRect().width);
    assert.ok(width > 0, `${k} bar drawn`);
  }
  assert.match(await page.textContent(byId('gain-vpi')), /Value of perfect information/);

  await page.click(`${byId('fairness')} summary`);
  await page.uncheck(byId('community-islanding'));
  await changed(page, 'gain-islanding', String(await page.textContent(byId('gain-islanding'))));
  await upToDate(page);
  const off = await split(page);
  assert.equal(off.islanding, 0, JSON.stringify(off));
  assert.ok(Math.abs(off.netting + off.coordination - off.total) <= 2, JSON.stringify(off));

  // Perfect foresight (the benchmark) changes cloud-P2P's result and drops the VPI line.
  const cloudBefore = await page.textContent(byId('kpi-cloud-cost'));
  await page.selectOption(byId('forecast'), 'perfect_foresight');
  await changed(page, 'kpi-cloud-cost', cloudBefore);
  await upToDate(page);
  assert.equal(await page.$(byId('gain-vpi')), null);

  // A bad cycle life is explained and changes nothing.
  const kept = await page.textContent(byId('kpi-none-cost'));
  await page.fill(byId('cycle-life'), '-5');
  await page.dispatchEvent(byId('cycle-life'), 'change');
  await page.waitForSelector(byId('fairness-error'));
  assert.match(await page.textContent(byId('fairness-error')), /Cycle life must be between/);
  assert.equal(await page.textContent(byId('kpi-none-cost')), kept);
  assert.deepEqual(errors, [], 'no console errors');
});

test('a 30-minute community runs end to end with the coordinator re-planning every 30 minutes', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  const hourly = await page.textContent(byId('kpi-cloud-cost'));
  await page.click(`${byId('fairness')} summary`);
  await page.selectOption(byId('steps-per-day'), '48');
  await changed(page, 'kpi-cloud-cost', hourly);
  await upToDate(page);
  const half = await split(page);
  assert.ok(Math.abs(half.netting + half.islanding + half.coordination - half.total) <= 2, JSON.stringify(half));
  assert.ok(await text(page, 'kpi-cloud-cost') > 0);
  assert.deepEqual(errors, [], 'no console errors');
});

test('a τ_c change while the twin still runs waits for it and is answered from the kept simulation', async () => {
  const errors = [];
  // The twin's stage lasts about half a second: catch it on a fresh load (a few tries).
  let page;
  let caught;
  for (let attempt = 0; attempt < 4 && !caught; attempt++) {
    await page?.close();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (err) => errors.push(String(err)));
    // Count the workers the page starts (a restart for a new run would start another).
    await page.addInitScript(() => {
      const Original = window.Worker;
      window.__workers = 0;
      window.Worker = class extends Original {
        constructor(...args) { super(...args); window.__workers += 1; }
      };
    });
    await page.goto(server.url);
    await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
    // In one tick: still running (the twin), then move the slider.
    caught = await page.evaluate((ids) => {
      const status = document.querySelector('.progress-row span')?.textContent;
      if (status === 'up to date') return null;
      const cloud = document.querySelector(ids.cloud).textContent;
      const slider = document.querySelector(ids.slider);
      slider.value = '0.4';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      return { status, cloud, workers: window.__workers };
    }, { cloud: byId('kpi-cloud-cost'), slider: byId('aggregator-return') });
  }
  assert.ok(caught, 'the twin stage was not caught in four loads');
  // Marked as updating meanwhile, then answered.
  await changed(page, 'kpi-cloud-cost', caught.cloud);
  await upToDate(page);
  // τ_c = 40% takes more of the members' gains than the default: cloud-P2P costs them more.
  const after = await text(page, 'kpi-cloud-cost');
  assert.ok(after > num(caught.cloud), `${caught.cloud} → ${after}`);
  assert.equal(await page.evaluate(() => window.__workers), caught.workers, 'no worker restarted for a τ_c change');
  assert.equal(await page.$eval(byId('kpi-cloud'), (el) => el.dataset.stale), 'false');
  assert.ok(await page.$(byId('gain-vpi')), 'the whole report, VPI included');
  console.log(`τ_c changed while '${caught.status}': answered without a new worker`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a BS-horizon or island-price change is answered from the kept simulation, cloud-P2P not re-run', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await ready(page);
  // A re-run would show the quick answer (the cloud card marked stale), then five models with the
  // value of perfect information pending: watch for either.
  await page.evaluate((ids) => {
    window.__rerun = [];
    const look = () => {
      if (document.querySelector(ids.cloud)?.dataset.stale === 'true') window.__rerun.push('cloud stale');
      if (document.querySelector(ids.pending)) window.__rerun.push('VPI pending');
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, { cloud: byId('kpi-cloud'), pending: byId('gain-vpi-pending') });
  const cloud = await page.textContent(byId('kpi-cloud-cost'));
  // BS only shares the community's bill out differently: its card's shares move, not its total.
  const bs = await page.textContent(byId('kpi-bs'));
  const started = Date.now();
  await page.evaluate((sel) => {
    const select = document.querySelector(sel);
    select.closest('details')?.setAttribute('open', '');
    select.value = 'day';
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, byId('bs-horizon'));
  await changed(page, 'kpi-bs', bs);
  await upToDate(page);
  const elapsed = Date.now() - started;
  // Cloud-P2P settles by SDR: the horizon of Bill Sharing moves neither its dispatch nor its bill.
  assert.equal(await page.textContent(byId('kpi-cloud-cost')), cloud);
  assert.ok(await page.$(byId('gain-vpi')), 'the whole report, VPI included');
  assert.deepEqual(await page.evaluate(() => [...new Set(window.__rerun)]), [], 'no cloud-P2P re-run');
  console.log(`BS horizon month → day answered in ${elapsed} ms`);
  // The island price: trade inside an island moves money between members (the community's
  // total stays), so the members' savings on the cards move; no re-run.
  await page.evaluate((sel) => document.querySelector(sel).closest('details')?.setAttribute('open', ''),
    byId('island-price'));
  const cards = () => page.evaluate(() => [...document.querySelectorAll('[data-testid^="kpi-"]')]
    .map((el) => el.textContent).join('|'));
  const retail = await cards();
  const islandStarted = Date.now();
  await page.selectOption(byId('island-price'), 'feed_in');
  await page.waitForFunction((before) => [...document.querySelectorAll('[data-testid^="kpi-"]')]
    .map((el) => el.textContent).join('|') !== before, retail, { timeout: 60000 });
  await upToDate(page);
  console.log(`island price retail → feed-in answered in ${Date.now() - islandStarted} ms`);
  assert.deepEqual(await page.evaluate(() => [...new Set(window.__rerun)]), [], 'no re-run for the island price');
  assert.deepEqual(errors, []);
  await page.close();
});
