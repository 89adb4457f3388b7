// SPDX-License-Identifier: MIT
// Worker thread of `iova-lens scan --jobs N`: analyses the directory groups
// the main thread hands it, one at a time, and posts each result back; the
// pool terminates it when the queue is empty.
import { parentPort, workerData } from 'node:worker_threads';
import { loadParser, WasmMissingError } from '../server/wasm';
import type { CParser } from '../core/parse/parser';
import { analyzeGroup, type GroupTask } from './scan-group';
import type { Config } from '../core/config';

async function main(): Promise<void> {
  const { config } = workerData as { config: Config };
  let parser: CParser;
  try {
    parser = await loadParser();
  } catch (e) {
    // Said once, by the main thread, as the one-line error it is (not as a worker's stack).
    parentPort!.postMessage({ failed: (e as Error).message, wasmMissing: e instanceof WasmMissingError });
    return;
  }
  parentPort!.on('message', (task: GroupTask) => {
    try {
      parentPort!.postMessage({ ok: true, result: analyzeGroup(parser, config, task) });
    } catch (e) {
      parentPort!.postMessage({ ok: false, dir: task.dir, message: (e as Error).stack ?? String(e) });
    }
  });
  parentPort!.postMessage({ ready: true });
}

void main();
