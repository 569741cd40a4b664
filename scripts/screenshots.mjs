// Screenshots of the main screens for the README: `node scripts/screenshots.mjs` after
// `trunk build --release` (scripts/screenshots.sh does both). Serves dist/ from a sub-path like
// the end-to-end tests and saves PNGs into docs/screenshots/.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { serveStatic } from '../tests/e2e/serve.mjs';
import { launch, openPage } from '../tests/e2e/browser.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const byId = (id) => `[data-testid="${id}"]`;
const upToDate = (page) => page.waitForFunction(
  (sel) => document.querySelector(sel)?.textContent === 'up to date', '.progress-row span', { timeout: 60000 });

await mkdir(OUT, { recursive: true });
const server = await serveStatic(join(ROOT, 'dist'), '/demo/gridshare/');
const browser = await launch();
const errors = [];
try {
  const only = process.argv[2];
  const shots = {
    async compare() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await upToDate(page);
      await page.locator('.card').first().screenshot({ path: join(OUT, 'compare.png') });
      await page.close();
    },
    async fairness() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('gain-total'), { timeout: 60000 });
      await upToDate(page);
      await page.click(`${byId('fairness')} summary`);
      await page.waitForTimeout(200);
      await page.locator(byId('fairness')).screenshot({ path: join(OUT, 'fairness.png') });
      await page.locator(byId('gain-split')).screenshot({ path: join(OUT, 'gain-split.png') });
      await page.close();
    },
    async timeline() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await upToDate(page);
      await page.selectOption(byId('timeline-model'), 'cloud');
      await page.selectOption(byId('timeline-span'), 'week');
      await page.waitForTimeout(300);
      await page.locator(byId('timeline')).screenshot({ path: join(OUT, 'timeline.png') });
      await page.close();
    },
    async tariff() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await page.selectOption(byId('tariff-preset'), 'tod');
      await page.click(`${byId('tou-table')} summary`);
      await upToDate(page);
      await page.locator('.inputs.tariff').screenshot({ path: join(OUT, 'tariff.png') });
      await page.close();
    },
    async playground() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('bill-sdr-1'), { timeout: 60000 });
      await page.$eval(byId('slider-2'), (el) => { el.value = '-0.5'; el.dispatchEvent(new Event('input', { bubbles: true })); });
      await page.click(`${byId('formula-sdr')} summary`);
      await page.waitForTimeout(300);
      await page.locator('section[aria-labelledby="hour-title"]').screenshot({ path: join(OUT, 'playground.png') });
      await page.close();
    },
    async tour() {
      const page = await openPage(browser, server.url, errors, { width: 1200, height: 800 });
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await upToDate(page);
      await page.click(byId('tour-start'));
      for (let i = 0; i < 7; i++) await page.click(byId('tour-next'));
      await upToDate(page);
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(OUT, 'tour.png') });
      await page.close();
    },
    async sweep() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await upToDate(page);
      await page.fill(byId('sweep-from'), '0.5');
      await page.fill(byId('sweep-to'), '9.5');
      await page.click(byId('sweep-run'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'sweep complete', byId('sweep-status'), { timeout: 120000 });
      await page.locator(byId('sweep')).screenshot({ path: join(OUT, 'sweep.png') });
      await page.close();
    },
    async ab() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await upToDate(page);
      await page.click(byId('pin-a'));
      await page.$eval(byId('price-sell'), (el) => { el.value = '3'; el.dispatchEvent(new Event('input', { bubbles: true })); });
      await page.waitForTimeout(300);
      await upToDate(page);
      await page.locator(byId('ab')).screenshot({ path: join(OUT, 'ab.png') });
      await page.close();
    },
    async peaks() {
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('hours-over-rating-cloud'), { timeout: 60000 });
      await upToDate(page);
      await page.click(byId('stressed-preset'));
      await page.waitForTimeout(300);
      await upToDate(page);
      await page.click(byId('frontier-run'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'frontier ready', byId('frontier-status'), { timeout: 180000 });
      await page.waitForTimeout(300);
      await page.locator(byId('peaks')).screenshot({ path: join(OUT, 'peaks.png') });
      await page.close();
    },
    async bills() {
      // The Delhi preset: a prosumer's bills under cloud-P2P, month by month, and the bill split.
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await page.selectOption(byId('tariff-preset'), 'delhi');
      await page.waitForSelector(byId('bill-panel'), { timeout: 60000 });
      await upToDate(page);
      const prosumer = await page.$$eval(`${byId('bill-member')} option`,
        (options) => options.find((o) => /PV/.test(o.textContent))?.value);
      if (prosumer) await page.selectOption(byId('bill-member'), prosumer);
      await page.selectOption(byId('bill-period'), '4');
      await page.waitForTimeout(300);
      await page.locator(byId('bill-panel')).screenshot({ path: join(OUT, 'bills.png') });
      await page.close();
    },
    async singlePoint() {
      // North village, Delhi tariff, one single-point connection: the connection fieldset, then
      // the community's bill split with the bulk bill and the Society keeps column.
      const page = await openPage(browser, server.url, errors);
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await page.selectOption(byId('tariff-preset'), 'delhi');
      await page.waitForSelector(byId('bill-panel'), { timeout: 60000 });
      await upToDate(page);
      await page.click(`${byId('retail-editor')} summary`);
      await page.selectOption(byId('connection-kind'), 'single-point');
      await page.waitForSelector(byId('bill-split-bulk'), { timeout: 60000 });
      await upToDate(page);
      await page.waitForTimeout(300);
      await page.locator(byId('connection')).screenshot({ path: join(OUT, 'single-point-settings.png') });
      await page.locator(byId('bill-split-section')).screenshot({ path: join(OUT, 'single-point.png') });
      await page.close();
    },
    async phone() {
      const page = await openPage(browser, server.url, errors, { width: 390, height: 844 });
      await page.waitForSelector(byId('kpi-cloud-cost'), { timeout: 60000 });
      await upToDate(page);
      await page.screenshot({ path: join(OUT, 'phone.png'), fullPage: false });
      await page.evaluate(() => document.querySelector('[data-testid="kpi-none"]').scrollIntoView());
      await page.screenshot({ path: join(OUT, 'phone-kpis.png'), fullPage: false });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      console.log(`phone: horizontal overflow ${overflow}px`);
      await page.close();
    },
  };
  for (const [name, shot] of Object.entries(shots)) {
    if (!only || only === name) { await shot(); console.log(`saved ${name}`); }
  }
  if (errors.length) { console.error(errors); process.exitCode = 1; }
} finally {
  await browser.close();
  await server.close();
}
