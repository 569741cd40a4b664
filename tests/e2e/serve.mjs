// A tiny static server that publishes dist/ under a sub-path, like a static host would.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json',
  '.txt': 'text/plain', '.csv': 'text/csv', '.webmanifest': 'application/manifest+json',
};

/** Serve `dir` at `http://127.0.0.1:<port><prefix>`; resolves to { url, close, setRoot } (setRoot
 * swaps the folder served, as a redeployment would). */
export async function serveStatic(dir, prefix) {
  let root = dir;
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!path.startsWith(prefix)) { res.writeHead(404).end('not under ' + prefix); return; }
    let rel = path.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    rel = normalize(rel);
    if (rel.startsWith('..')) { res.writeHead(403).end('outside the site'); return; }
    try {
      const body = await readFile(join(root, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((ok) => server.close(ok)),
    setRoot: (folder) => { root = folder; },
  };
}
