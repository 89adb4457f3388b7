// SPDX-License-Identifier: MIT
// `iova-lens scan` runs on every Node the README supports (20 and later). Its
// worker threads tune V8 with flags (src/cli/pool.ts), and V8 prints
// "Error: unrecognized flag …" to stderr for a flag it does not know: on
// Node 22+ the interrupt budget of Node 20's V8 is gone. So the scan is run
// under this Node and under Node 24 (the one the end-to-end tests install in
// .tools/): nothing on stderr, and the same findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { shortWorkFlags } from '../../src/cli/pool';
import { REPO } from '../helpers';

const TREE = join(REPO, 'test', 'fixtures', 'tree');
const CLI = join(REPO, 'dist', 'cli.js');

test('V8 flags: the interrupt budget only where V8 still has it (before V8 12 = Node 22)', () => {
  assert.deepEqual(shortWorkFlags('11.3.244.8-node.38'), ['--interrupt-budget=1000000', '--liftoff-only', '--always-sparkplug', '--max-inlined-bytecode-size-cumulative=300']);
  for (const v of ['12.4.254.21-node.33', '13.6.233.10-node.28']) assert.ok(!shortWorkFlags(v).some((f) => f.startsWith('--interrupt-budget')), v);
  assert.ok(shortWorkFlags('12.4.254.21').includes('--liftoff-only'));
});

async function node24(): Promise<string> {
  // scripts/tools.mjs is ESM with top-level await: a real import() (as test/e2e/harness.ts does).
  const tools = (await import(pathToFileURL(join(REPO, 'scripts', 'tools.mjs')).href)) as { ensureNode(opts?: { quiet?: boolean }): Promise<string> };
  return tools.ensureNode({ quiet: true });
}

test('a scan with worker threads writes nothing to stderr on Node 20 and Node 24, and finds the same', async () => {
  const nodes = [process.execPath, await node24()];
  const outputs: string[] = [];
  for (const node of nodes) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    // --jobs 2: the fixture tree has enough driver folders for the scan to start its worker pool.
    const r = spawnSync(node, [CLI, 'scan', '.', '--format', 'json', '--no-cache', '--jobs', '2'], { cwd: TREE, encoding: 'utf8', env: { ...process.env, IOVA_LENS_STATS: '1' } });
    assert.equal(r.status, 1, `${version}: exit ${r.status}\n${r.stderr}`);
    const stats = r.stderr.split('\n').filter((l) => l.startsWith('iova-lens stats: '));
    assert.match(stats.join('\n'), /workers 2\b/, `${version}: the worker pool did not start, so its flags were not tested`);
    assert.equal(r.stderr.split('\n').filter((l) => l && !l.startsWith('iova-lens stats: ')).join('\n'), '', `${version}: stderr`);
    const report = JSON.parse(r.stdout) as { findings: unknown[] };
    assert.ok(report.findings.length > 0, version);
    outputs.push(JSON.stringify(report.findings));
  }
  assert.equal(outputs[1], outputs[0], 'the findings differ between Node versions');
});
