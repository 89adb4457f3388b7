// SPDX-License-Identifier: MIT
// esbuild bundles without type checking, so `npm test` runs the compiler's
// checks itself: a type error (a SARIF property misnamed against the SARIF
// 2.1.0 object model of @types/sarif, a protocol message changed on one side
// only) fails the suite instead of shipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers';

const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

for (const project of ['tsconfig.json', join('src', 'webview', 'tsconfig.json')]) {
  test(`tsc -p ${project}: no type errors`, () => {
    const r = spawnSync(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`.split('\n').slice(0, 20).join('\n'));
  });
}
