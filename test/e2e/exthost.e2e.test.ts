// Phase B: the extension-host suite (test/e2e/suite/index.ts, a
// test-electron-style `run()` module) inside the real node extension host of
// code-server's bundled VS Code server (`server-main.js --enable-smoke-test-driver`),
// with the extension loaded unpackaged from the repo root (dist/ built by pretest).
// Each case of the suite becomes a node:test subtest, so the run's summary counts them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as h from './harness';

test('extension-host suite in the real VS Code server', { timeout: 40 * 60_000 }, async (t) => {
  await h.ensureTools(); // throws `sudo apt-get install -y …` when it cannot install system packages
  const extensionDevelopmentPath = process.env.IOVA_E2E_EXTENSION_PATH ? path.resolve(process.env.IOVA_E2E_EXTENSION_PATH) : h.ROOT;
  // next to this file: out/… or the IOVA_OUT folder this run was transpiled into
  const extensionTestsPath = path.join(__dirname, 'suite', 'index.js');
  const main = JSON.parse(fs.readFileSync(path.join(extensionDevelopmentPath, 'package.json'), 'utf8')).main as string;
  assert.ok(fs.existsSync(path.join(extensionDevelopmentPath, main)), `${main} is missing: run \`npm run build\` (npm test does it in pretest)`);
  assert.ok(fs.existsSync(extensionTestsPath), `${extensionTestsPath} is missing: run \`node esbuild.mjs --tests\``);

  const r = await h.runExtensionHostSuite({ extensionDevelopmentPath, extensionTestsPath });
  // `[iova-e2e] info …` lines (e.g. the activation time) go into the run's output
  for (const l of r.console) {
    const i = l.indexOf(`${h.SUITE_PREFIX} info `);
    if (i >= 0) { const msg = l.slice(i + h.SUITE_PREFIX.length + 6).split('\n')[0]; t.diagnostic(msg); h.log(`ext-host: ${msg}`); }
  }
  for (const c of r.cases) {
    await t.test(c.name, () => {
      if (c.ok) return;
      // show the extension host's own error and stack, not this file's
      const text = c.error ?? '(no error text)';
      const err = new Error(text.split('\n')[0].replace(/^\w*Error(?: \[\w+\])?: /, ''));
      err.stack = text;
      throw err;
    });
  }
  const tail = () => r.console.filter((l) => !/open-vsx|ENOTFOUND|serviceWorker/.test(l)).slice(-30).join('\n');
  assert.ok(r.cases.length > 0, `the suite reported no cases (exit code ${r.exitCode}); browser console tail:\n${tail()}`);
  assert.ok(r.done, `the suite did not report completion; browser console tail:\n${tail()}`);
  assert.equal(r.exitCode, 0, `codeAutomationExit(${r.exitCode}) after ${r.seconds.toFixed(1)} s`);
});
