// SPDX-License-Identifier: MIT
// The npm package doubles as the CLI (`npx iova-lens`, SPEC §1.4) and ships
// the language server for other editors. dist/ is git-ignored, so without
// the prepack build and .npmignore (npm otherwise reads .gitignore) a
// package made from a fresh clone had no dist/ at all — `npx iova-lens`
// failed with "Cannot find module" — and carried the tests and sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers';

test('npm pack: the CLI, its worker, the server, the parsers and the rule docs; no tests, sources or source maps', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.equal(pkg.bin['iova-lens'], 'dist/cli.js');
  assert.match(pkg.scripts.prepack ?? '', /esbuild\.mjs/, 'prepack builds dist/');
  // (--ignore-scripts: the suite runs from the dist/ its pretest built; prepack would rebuild it under it.)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
  for (const f of ['dist/cli.js', 'dist/scan-worker.js', 'dist/server.js', 'dist/tree-sitter-c.wasm', 'dist/web-tree-sitter.wasm', 'dist/docs/iova-reverse-lookup.md', 'README.md', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} is in the package (${files.join(' ')})`);
  }
  const stray = files.filter((f) => /^(src|test|scripts|out|\.tools|\.cache|test-results)\/|\.map$|\.vsix$/.test(f));
  assert.deepEqual(stray, []);
});
