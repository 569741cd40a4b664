// The benchmark table: Gridshare's release wasm in headless Chromium (the shipped worker, served
// from a sub-path), the same settlement natively, and the NumPy reference on the same input.
// Started by `scripts/bench.sh` (which installs and builds what this needs); prints a Markdown
// table and writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { serveStatic } from '../tests/e2e/serve.mjs';
import { launch, openPage } from '../tests/e2e/browser.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => bytes / 1048576;

const CASES = [
  ['generate_default', 'generate both default villages (2 × 30 members), a year', 5],
  ['settle1k', 'settle 1,000 members × 8,760 h, four rules', 5],
  ['settle10k', 'settle 10,000 members × 8,760 h, four rules', REPEATS],
  ['run_default_settle_only', 'default village, four rules on own dispatch (a tariff change)', 5],
  ['run_default', 'default village, a year, all five models', REPEATS],
  ['run_both_defaults', 'both default villages, a year, all five models', 3],
  ['run1000', '1,000-member village, a year, all five models', 3],
  ['run10k', '10,000-member village (the study\'s scale), a year, all five models, one worker', 1],
  ['tau_change', 'default village, a τ_c-only change after a full run (the kept simulation)', 5],
  ['bs_horizon_change', 'default village, a BS-horizon change after a full run (homes settled again, cloud-P2P kept)', 5],
  ['sweep_feed_in10', 'default village, ten-point feed-in sweep incl. cloud-P2P (settle-only + complete)', 3],
  ['sweep_tau10', 'default village, ten-point τ_c sweep incl. cloud-P2P (one simulation)', 3],
];

/** Run one case in a fresh copy of the shipped worker; resolves to its BenchDone message. */
async function benchInWorker(page, kind, repeats) {
  return page.evaluate(([kind, repeats]) => new Promise((resolve, reject) => {
    const worker = new Worker('./worker_loader.js');
    worker.onerror = (e) => reject(new Error(e.message));
    worker.onmessage = (event) => {
      const m = JSON.parse(event.data);
      if (m.kind === 'ready') worker.postMessage(JSON.stringify({ kind: 'bench', id: 1, case: kind, repeats }));
      else if (m.kind === 'bench_done') { worker.terminate(); resolve(m); }
      else if (m.kind === 'failed') { worker.terminate(); reject(new Error(m.message)); }
    };
  }), [kind, repeats]);
}

/** Page load to first results (four settle-only models) and to all five, in fresh contexts. */
async function firstResults(browser, url, loads) {
  const quick = [];
  const full = [];
  for (let i = 0; i < loads; i++) {
    const started = Date.now();
    const page = await openPage(browser, url, []);
    await page.waitForSelector('[data-testid="kpi-sdr-cost"]', { timeout: 60000 });
    quick.push(Date.now() - started);
    await page.waitForSelector('[data-testid="kpi-cloud-cost"]', { timeout: 60000 });
    full.push(Date.now() - started);
    await page.close();
  }
  return { quick_ms: median(quick), full_ms: median(full), loads };
}

const server = await serveStatic(join(ROOT, 'dist'), '/demo/gridshare/');
const browser = await launch();
const results = { browser: {}, chromium: browser.version() };
try {
  const page = await openPage(browser, server.url, []);
  await page.waitForSelector('[data-testid="kpi-sdr-cost"]', { timeout: 60000 });
  for (const [kind, , repeats] of CASES) {
    const m = await benchInWorker(page, kind, repeats);
    results.browser[kind] = {
      median_ms: median(m.times_ms), times_ms: m.times_ms, checksum: m.checksum,
      extra_memory_mb: mb(m.memory_bytes[1] - m.memory_bytes[0]), memory_mb: mb(m.memory_bytes[1]),
    };
    process.stderr.write(`browser ${kind}: ${median(m.times_ms).toFixed(1)} ms\n`);
  }
  await page.close();
  results.first_results = await firstResults(browser, server.url, 5);
} finally {
  await browser.close();
  await server.close();
}

// Natively and in NumPy, on the very same 10,000 × 8,760 input.
const pool = join(ROOT, 'target', 'bench-pool.bin');
results.native = JSON.parse(execFileSync(join(ROOT, 'target', 'release', 'examples', 'settle_reference'),
  ['--members', '10000', '--repeats', String(REPEATS), '--pool', pool], { encoding: 'utf8' }));
const numpyRun = (threads) => JSON.parse(execFileSync(PYTHON, [join(ROOT, 'bench', 'numpy_reference.py'), pool, '10000', String(REPEATS)],
  { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads } }));
results.numpy_1_thread = numpyRun('1');
results.numpy_all_threads = numpyRun('');
// The NumPy reference must compute the same bills, or the comparison means nothing.
for (const rule of ['none', 'bs', 'mmr', 'sdr']) {
  const a = results.native.bills[rule];
  const b = results.numpy_1_thread.bills[rule];
  a.forEach((x, i) => {
    if (Math.abs(x - b[i]) > 1e-9 * Math.max(1, Math.abs(x))) throw new Error(`${rule}[${i}]: Gridshare ${x} vs NumPy ${b[i]}`);
  });
}
writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2));

const b = results.browser;
const rows = CASES.map(([kind, what]) => `| ${what} | ${b[kind].median_ms.toFixed(1)} ms | ${b[kind].extra_memory_mb.toFixed(1)} MB | ${b[kind].memory_mb.toFixed(1)} MB |`);
const settleNative = results.native.median_s * 1000;
// NumPy's timings vary by ±30% between runs on this machine; compare against its best run.
const np1 = results.numpy_1_thread.min_s * 1000;
const npN = results.numpy_all_threads.min_s * 1000;
console.log(`
### In the browser (release wasm with SIMD, headless Chromium ${results.chromium}, medians)
| case | time | extra wasm memory | wasm memory after |
|---|---|---|---|
${rows.join('\n')}

Page load to first results on the default village (median of ${results.first_results.loads} fresh loads): four settle-only models ${results.first_results.quick_ms} ms, all five ${results.first_results.full_ms} ms.

### Settlement, 10,000 × 8,760, against the NumPy reference (same input, same bills to 1e-9)
| implementation | time | NumPy's best ÷ this |
|---|---|---|
| Gridshare native, one thread (median) | ${settleNative.toFixed(0)} ms | ${(np1 / settleNative).toFixed(2)}× NumPy one thread, ${(npN / settleNative).toFixed(2)}× NumPy all threads |
| Gridshare in the browser, wasm (median) | ${b.settle10k.median_ms.toFixed(0)} ms | ${(np1 / b.settle10k.median_ms).toFixed(2)}× NumPy one thread, ${(npN / b.settle10k.median_ms).toFixed(2)}× NumPy all threads |
| NumPy ${results.numpy_1_thread.numpy}, one BLAS thread (best of ${REPEATS}; median) | ${np1.toFixed(0)} ms; ${(results.numpy_1_thread.median_s * 1000).toFixed(0)} ms | 1× |
| NumPy ${results.numpy_all_threads.numpy}, all BLAS threads (best of ${REPEATS}; median) | ${npN.toFixed(0)} ms; ${(results.numpy_all_threads.median_s * 1000).toFixed(0)} ms | — |
`);
