// SPDX-License-Identifier: MIT
// Worker threads for `iova-lens scan --jobs N`. Started as soon as the scan
// knows there is parsing to do, so that loading the bundle and compiling the
// parser's wasm in each worker overlaps the ripgrep search instead of
// following it. Each worker pulls the next group from a queue, largest first.
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Config } from '../core/config';
import type { GroupResult, GroupTask } from './scan-group';
import { WasmMissingError } from '../server/wasm';

type Reply = { ready?: boolean; failed?: string; wasmMissing?: boolean; ok?: boolean; result?: GroupResult; dir?: string; message?: string };

/**
 * Each worker is a fresh V8 isolate with about a second of work to do. With
 * V8's default interrupt budget TurboFan compiles hundreds of functions that
 * then run only briefly, and that compiling is most of the CPU a worker
 * spends beyond the work itself; a larger budget optimises only what is
 * really hot. Measured on drivers/ (8 alternating cold scans, 2 workers):
 * median 2.14 s wall / 3.08 CPU-s user with the default, 1.87 s / 2.62 s with
 * this. Set here, when workers are about to start, not at start-up: the main
 * thread's own short loops (a warm re-scan is 0.4 s) were 9 % slower with it.
 * V8 flags are process-wide; code compiled from here on uses the new budget.
 *
 * For the same reason the parser's wasm stays on V8's baseline compiler
 * (Liftoff): tiering it up costs each worker ~150 ms of background CPU for
 * code that is ~35 % faster only once hot, and a worker parses ~0.6 MB.
 * And JavaScript starts on the baseline compiler (Sparkplug) rather than the
 * interpreter. Measured on drivers/ (5 alternating cold scans, rg --count
 * prefilter): median 1.69 s wall with the budget alone, 1.62 s with both.
 *
 * TurboFan also inlines less than its default (920 bytes of bytecode per
 * optimised function): the evaluator's big statement and expression
 * switches pulled in so much that compiling them cost more than the inlining
 * saved in a second of work. Measured with a one-thread harness on half the
 * folders (a worker's share, 8 runs): first-pass CPU median 871 → 783 ms,
 * later passes unchanged; cold scans of drivers/ (10 alternating runs of the
 * two builds) median 1.64 s → 1.57 s wall, 3.01 → 2.88 CPU-s.
 */
export function tuneForShortWork(): void {
  for (const flag of shortWorkFlags()) setFlagsFromString(flag);
}

/**
 * The flags above, for the running V8. V8 12 (Node 22) dropped
 * `--interrupt-budget` for per-tier invocation counts, and V8 prints
 * "Error: unrecognized flag" to stderr for a flag it does not know — a
 * spurious error line in every scan's output. There the budget is left at
 * its default: on Node 24 (10 alternating cold scans of drivers/) the
 * closest flag, `--invocation-count-for-turbofan` at 7× its default, made no
 * difference (median 1.64 vs 1.62 s wall, 2.99 vs 3.01 CPU-s), and the other
 * three flags gave 1.62 s against 1.72 s with none.
 */
export function shortWorkFlags(v8Version = process.versions.v8): string[] {
  const budget = Number(v8Version.split('.')[0]) < 12 ? ['--interrupt-budget=1000000'] : [];
  return [...budget, '--liftoff-only', '--always-sparkplug', '--max-inlined-bytecode-size-cumulative=300'];
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ready: Promise<void>[] = [];
  private readonly exited = new Map<Worker, number>();

  constructor(
    private readonly script: string,
    private readonly config: Config,
    size: number,
  ) {
    tuneForShortWork();
    this.grow(size);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts `n` more workers (they load while the caller goes on). */
  grow(n: number): void {
    for (let k = 0; k < n; k++) {
      const w = new Worker(this.script, { workerData: { config: this.config } });
      this.workers.push(w);
      // A worker that stops (out of memory, killed) must fail the run, not leave it waiting.
      w.once('exit', (code) => this.exited.set(w, code));
      const ready = new Promise<void>((resolve, reject) => {
        const onMessage = (m: Reply) => {
          if (m.failed !== undefined) return reject(m.wasmMissing ? new WasmMissingError(m.failed) : new Error(m.failed));
          if (!m.ready) return;
          w.off('message', onMessage);
          w.off('error', reject);
          resolve();
        };
        w.on('message', onMessage);
        w.on('error', reject);
      });
      // A worker may fail to start before run() awaits it (the tree walk and
      // ripgrep take longer than loading the parser): run() reports it.
      ready.catch(() => {});
      this.ready.push(ready);
    }
  }

  /** Runs the tasks in queue order; `tick` after each. Rejects on the first failure. */
  async run(tasks: GroupTask[], tick: () => void): Promise<GroupResult[]> {
    const out: GroupResult[] = [];
    let next = 0;
    const t0 = Date.now();
    const stats: string[] = [];
    const slow: [number, string][] = [];
    await Promise.all(
      this.workers.map(async (w, i) => {
        await this.ready[i];
        const ready = Date.now() - t0;
        let busy = 0;
        let sent = 0;
        await new Promise<void>((resolve, reject) => {
          const stopped = (code: number) => reject(new Error(`a scan worker stopped (exit code ${code}) before its work was done`));
          const feed = () => {
            if (next >= tasks.length) {
              stats.push(`worker ${i}: ready at ${ready} ms, busy ${busy} ms, done at ${Date.now() - t0} ms`);
              w.off('message', onMessage);
              w.off('error', reject);
              w.off('exit', stopped);
              resolve();
              return;
            }
            const code = this.exited.get(w);
            if (code !== undefined) return stopped(code);
            sent = Date.now();
            w.postMessage(tasks[next++]);
          };
          const onMessage = (m: Reply) => {
            busy += Date.now() - sent;
            if (m.ok && m.result) {
              out.push(m.result);
              slow.push([Date.now() - sent, m.result.dir]);
            }
            else return reject(new Error(`analysis of ${m.dir} failed: ${m.message}`));
            tick();
            feed();
          };
          w.on('message', onMessage);
          w.on('error', reject);
          w.on('exit', stopped);
          feed();
        });
      }),
    );
    if (process.env.IOVA_LENS_STATS) {
      process.stderr.write(`iova-lens stats: ${stats.join('; ')}\n`);
      process.stderr.write(`iova-lens stats: ${slowestFolders(slow)}\n`);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** `slowest folders a/b 120 ms, …` for IOVA_LENS_STATS (the tree root's own files are folder `.`). */
export function slowestFolders(times: [number, string][]): string {
  return `slowest folders ${[...times].sort((a, b) => b[0] - a[0]).slice(0, 6).map(([ms, d]) => `${d || '.'} ${ms} ms`).join(', ')}`;
}
