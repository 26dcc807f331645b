#!/usr/bin/env node
// Builds the browser page into web-client/dist/public/: src/page/main.ts with mediasoup-client
// bundled by esbuild (one ES module, app.js, with its source map), and index.html and style.css
// copied beside it. Run by the root `npm run build` (after `tsc -b`, which type-checks the page:
// esbuild only strips types) and by the browser test before it starts the server, so a fresh clone
// needs no other step. A fast build (well under a second), so it is simply done again each time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'src', 'page');
const out = join(root, 'dist', 'public');

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(page, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers with the WebRTC APIs mediasoup-client's handlers use (unified plan, getStats maps).
  target: ['chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  sourcemap: true,
  // mediasoup-client's `debug` logging reads it; the browser has no process.
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(page, file), join(out, file));
