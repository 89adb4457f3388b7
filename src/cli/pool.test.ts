// SPDX-License-Identifier: MIT
// The worker pool of `iova-lens scan --jobs N`: a worker that cannot load the
// parser fails the run with that error, even when it failed long before the
// run started (the tree walk and ripgrep take longer than loading a worker),
// and never as an unhandled rejection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slowestFolders, WorkerPool } from './pool';
import { WasmMissingError } from '../server/wasm';
import { DEFAULT_CONFIG } from '../core/config';

test('a worker that failed to start before run() is reported by run(), not as an unhandled rejection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-pool-'));
  const script = join(dir, 'failing-worker.js');
  writeFileSync(script, "require('node:worker_threads').parentPort.postMessage({ failed: 'cannot load the C parser: x.wasm is missing', wasmMissing: true });\n");
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  const pool = new WorkerPool(script, DEFAULT_CONFIG, 2);
  try {
    assert.equal(pool.size, 2);
    await new Promise((r) => setTimeout(r, 500));
    pool.grow(1);
    assert.equal(pool.size, 3);
    await assert.rejects(pool.run([{ dir: 'd', files: [] }], () => {}), (e: unknown) => e instanceof WasmMissingError && /x\.wasm is missing/.test(e.message));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that stops while idle fails the run instead of leaving it waiting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-pool-'));
  const script = join(dir, 'dying-worker.js');
  // Says it is ready, then stops before any work arrives (as a worker killed for memory would).
  writeFileSync(script, "const { parentPort } = require('node:worker_threads'); parentPort.postMessage({ ready: true }); setTimeout(() => process.exit(3), 50);\n");
  const pool = new WorkerPool(script, DEFAULT_CONFIG, 1);
  try {
    await new Promise((r) => setTimeout(r, 400));
    await assert.rejects(pool.run([{ dir: 'd', files: [] }], () => {}), /a scan worker stopped \(exit code 3\)/);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('IOVA_LENS_STATS names the slowest folders, the tree root\'s own as .', () => {
  assert.equal(slowestFolders([[5, 'a'], [90, ''], [40, 'drivers/x']]), 'slowest folders . 90 ms, drivers/x 40 ms, a 5 ms');
});
