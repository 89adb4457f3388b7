// SPDX-License-Identifier: MIT
// Release quality (issue 9): the .vsix holds only the bundles, the wasm
// files, the rule docs, media, README, CHANGELOG, LICENSE and package.json,
// and is at most 3 MB (SPEC §3). Reuses iova-lens.vsix when it is newer than
// dist/ and the packaged metadata; otherwise packs the current dist/ with
// scripts/package.mjs (no rebuild, so a concurrent test run keeps its dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers';

const VSIX = join(REPO, 'iova-lens.vsix');
const MAX_BYTES = 3 * 1024 * 1024;

/** Entry names from a zip's central directory (no unzip needed). */
export function zipEntries(buf: Buffer): { name: string; size: number }[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { name: string; size: number }[] = [];
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry ${k}`);
    const size = buf.readUInt32LE(p + 24);
    const n = buf.readUInt16LE(p + 28);
    const m = buf.readUInt16LE(p + 30);
    const c = buf.readUInt16LE(p + 32);
    out.push({ name: buf.subarray(p + 46, p + 46 + n).toString('utf8'), size });
    p += 46 + n + m + c;
  }
  return out;
}

function fresh(): boolean {
  if (!existsSync(VSIX)) return false;
  const t = statSync(VSIX).mtimeMs;
  const inputs = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'dist/extension.js', 'dist/server.js', 'dist/cli.js'];
  return inputs.every((f) => !existsSync(join(REPO, f)) || statSync(join(REPO, f)).mtimeMs <= t);
}

const ALLOWED = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/,
  /^extension\/changelog\.md$/,
  /^extension\/LICENSE(\.txt)?$/,
  /^extension\/dist\/(extension|server|cli|scan-worker)\.js$/,
  /^extension\/dist\/(web-tree-sitter|tree-sitter-c)\.wasm$/,
  /^extension\/dist\/docs\/[a-z-]+\.md$/,
  /^extension\/dist\/webview\/main\.js$/,
  /^extension\/media\/[\w./-]+\.(png|svg|css)$/,
];

test('the .vsix holds only what ships and is at most 3 MB', (t) => {
  if (!fresh()) {
    assert.ok(existsSync(join(REPO, 'dist', 'extension.js')), 'dist/ is not built: run `npm run build` (npm test builds it)');
    const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'package.mjs')], { cwd: REPO, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, `scripts/package.mjs failed: ${r.stderr}`);
  }
  const buf = readFileSync(VSIX);
  const entries = zipEntries(buf);
  const names = entries.map((e) => e.name);
  t.diagnostic(`iova-lens.vsix: ${(buf.length / 1024).toFixed(0)} KiB, ${names.length} files: ${names.join(', ')}`);
  assert.ok(buf.length <= MAX_BYTES, `${buf.length} bytes > 3 MB`);
  for (const n of names) assert.ok(ALLOWED.some((re) => re.test(n)), `unexpected file in the .vsix: ${n}`);
  for (const must of ['extension/package.json', 'extension/readme.md', 'extension/changelog.md', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/dist/scan-worker.js', 'extension/dist/tree-sitter-c.wasm', 'extension/dist/web-tree-sitter.wasm', 'extension/dist/webview/main.js']) {
    assert.ok(names.includes(must), `${must} is missing from the .vsix`);
  }
  assert.ok(names.some((n) => /^extension\/LICENSE/.test(n)), 'LICENSE is missing');
  for (const r of ['iova-reverse-lookup', 'dma-addr-as-phys', 'linear-map-assumption', 'iova-phys-unchecked', 'translate-after-unmap']) {
    assert.ok(names.includes(`extension/dist/docs/${r}.md`), `doc of ${r} is missing`);
  }
  assert.ok(!names.some((n) => n.endsWith('.map') || n.includes('node_modules') || n.includes('/src/') || n.includes('/test/')), 'no sources, maps or node_modules');
});
