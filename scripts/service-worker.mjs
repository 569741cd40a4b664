// Trunk post-build hook (Trunk.toml): write sw.js into the build from public/service-worker.js, with
// every built file to precache and a version that is the hash of them all. A debug build (trunk serve)
// gets a worker that removes itself, so developers never see a stale cached page.
// Also runs by hand on a built folder: node scripts/service-worker.mjs DIR
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('service-worker.mjs: give the built folder (or run as a Trunk hook)');
  process.exit(2);
}
const release = process.argv[2] !== undefined || process.env.TRUNK_PROFILE === 'release';

async function files(folder) {
  const out = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...await files(path));
    else out.push(path);
  }
  return out;
}

const target = join(dir, 'sw.js');
if (!release) {
  await writeFile(target, [
    '// Debug build: no offline cache; remove any worker a release build left behind.',
    "self.addEventListener('install', () => self.skipWaiting());",
    "self.addEventListener('activate', (e) => e.waitUntil(caches.keys()",
    "  .then((keys) => Promise.all(keys.filter((k) => k.startsWith('gridshare-')).map((k) => caches.delete(k))))",
    '  .then(() => self.registration.unregister())));',
    '',
  ].join('\n'));
  process.exit(0);
}
const built = (await files(dir))
  .map((path) => relative(dir, path).split(sep).join('/'))
  .filter((path) => path !== 'sw.js')
  .sort();
// The version covers the worker's own code too, so changing only the caching rules also renews the cache.
const template = await readFile(join(root, 'public', 'service-worker.js'), 'utf8');
const hash = createHash('sha256');
hash.update(template);
for (const path of built) {
  hash.update(path);
  hash.update(await readFile(join(dir, path)));
}
const version = hash.digest('hex').slice(0, 16);
const precache = JSON.stringify(built.map((path) => `./${path}`), null, 2);
await writeFile(target, template.replace('__VERSION__', version).replace('__PRECACHE__', precache));
console.log(`sw.js: ${built.length} files precached, version ${version}`);
