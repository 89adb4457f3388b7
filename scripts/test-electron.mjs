#!/usr/bin/env node
// `npm run test:electron`: runs the extension-host suite (test/e2e/suite) under
// @vscode/test-electron, for machines that can download desktop VS Code from
// update.code.visualstudio.com. These build machines cannot; there the same
// suite runs through code-server's bundled server (test/e2e/exthost.e2e.test.ts,
// part of `npm test`). @vscode/test-electron is deliberately not a dependency.
//
// Environment: VSCODE_VERSION (default "stable").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);

let testElectron;
try {
  testElectron = await import('@vscode/test-electron');
} catch {
  console.error('@vscode/test-electron is not installed (it is not a dependency: it downloads VS Code). Install it for this run with:\n');
  console.error('  npm i --no-save @vscode/test-electron\n');
  process.exit(2);
}

for (const args of [['esbuild.mjs'], ['esbuild.mjs', '--tests']]) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const extensionTestsPath = join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js');
if (!existsSync(extensionTestsPath)) { console.error(`missing ${extensionTestsPath}`); process.exit(1); }

const userDataDir = mkdtempSync(join(tmpdir(), 'iova-electron-'));
let code = 1;
try {
  const runTests = testElectron.runTests ?? testElectron.default?.runTests;
  code = await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath,
    launchArgs: [join(ROOT, 'test', 'fixtures', 'workspace'), '--disable-extensions', '--disable-workspace-trust',
      '--skip-welcome', '--skip-release-notes', '--user-data-dir', userDataDir],
  });
} catch (e) {
  console.error(`test-electron failed: ${e?.message ?? e}`);
  code = 1;
} finally {
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(code === 0 ? 'extension-host suite passed' : `extension-host suite failed (exit ${code})`);
process.exit(code);
