// SPDX-License-Identifier: MIT
// `iova-lens` — the command line: scan, patch, rules, explain, emulate.
// Exit status (SPEC §1.4): 0 clean, 1 findings, 2 usage/config error or
// nothing could be scanned.
import { readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { runScan } from './scan';
import { UsageError } from './usage';
import { runPatch } from './patch';
import { ConfigError } from '../core/config';
import { RULES, RULE_IDS, NOTICES } from '../core/rules/index';
import { runEmulate } from './emulate';
import { docsDir } from './rule-docs';
import { WasmMissingError } from '../server/wasm';
import { VERSION } from './version';
import { processIo, type Io } from './io';

const HELP = `iova-lens ${VERSION} — flags Linux driver code that rebuilds CPU addresses from device addresses

Usage:
  iova-lens scan [PATH...] [--format text|gcc|json|sarif] [--root DIR] [--config FILE]
                 [--fail-on error|warning|info] [--baseline FILE] [--jobs N] [--shard I/N]
                 [--no-cache] [--cache-dir DIR]
  iova-lens patch [FILE...|-] [--tree DIR] [--format gcc|text|json|sarif] [--fail-on error|warning|info]
                                  findings on the lines a patch or mbox series adds
  iova-lens rules                 list the rules
  iova-lens explain RULE          print a rule's documentation
  iova-lens emulate S1..S12 | --chain STEPS [--guard N] [--platform P] [--format text|json] [--matrix] [--platforms]
                                  --guard N: the code tests chain step N's result for 0 and stops on 0
  iova-lens --version

Exit status: 0 no findings at or above --fail-on (default warning), 1 findings, 2 usage or config error
or nothing could be scanned (no .c/.h files, or every one failed).
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  // `iova-lens scan --help` is the first thing a CI author types (not a usage error); after `--` it is a path.
  const dashes = rest.indexOf('--');
  const opts = dashes < 0 ? rest : rest.slice(0, dashes);
  if (cmd !== 'emulate' && cmd !== undefined && (opts.includes('--help') || opts.includes('-h'))) {
    io.out(HELP);
    return 0;
  }
  try {
    switch (cmd) {
      case 'scan':
        return await runScan(rest, io);
      case 'patch':
        return await runPatch(rest, io, readStdin, !!process.stdin.isTTY);
      case 'rules':
        for (const r of RULES) io.out(`${r.meta.id.padEnd(24)} ${r.meta.defaultSeverity.padEnd(8)} [${r.meta.concerns.join(', ')}]  ${r.meta.short}\n`);
        for (const n of NOTICES) io.out(`${n.id.padEnd(24)} ${n.defaultSeverity.padEnd(8)} (notice)  ${n.short}\n`);
        return 0;
      case 'explain': {
        const id = rest[0];
        // (The two notices — unused-suppression, analysis-limit — have pages too: findings link to them.)
        if (!id || !RULE_IDS.includes(id)) throw new UsageError(`explain: unknown rule ${id ?? '(none)'}; \`iova-lens rules\` lists them`);
        io.out(readFileSync(join(docsDir(), `${id}.md`), 'utf8'));
        return 0;
      }
      case 'emulate':
        return runEmulate(rest, io);
      case '--version':
      case '-v':
        io.out(`${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(HELP);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${cmd}; \`iova-lens --help\` lists them`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof WasmMissingError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      // One line: node's parseArgs explains an option value that starts with a dash over three.
      io.err(`iova-lens: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')}`);
      return 2;
    }
    // (process.cwd() of a folder deleted under the shell: every relative path is meaningless.)
    if ((e as NodeJS.ErrnoException).syscall === 'uv_cwd') {
      io.err(`iova-lens: the current folder no longer exists (${(e as NodeJS.ErrnoException).code}); cd to one that does`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  // `iova-lens rules | head -1`: the reader went away. Stop quietly, as cat
  // and grep do, instead of a stack trace for the unhandled EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => outputFailed(e));
  main(process.argv.slice(2), processIo(outputFailed)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`iova-lens: internal error: ${e.stack ?? e.message}\n`);
      process.exitCode = 2;
    },
  );
}

/**
 * Standard output could not be written. EPIPE: the reader went away
 * (`iova-lens rules | head -1`): stop quietly, as cat and grep do. Anything
 * else (a full disk under `> report.sarif`) is one line and exit 2 — not a
 * stack trace, and not 1, which a CI job would read as "findings".
 */
export function outputFailed(e: NodeJS.ErrnoException): never {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`iova-lens: cannot write the output (${e.code ?? e.message}${e.code === 'ENOSPC' ? ': no space left on device' : ''})\n`);
  process.exit(2);
}

/**
 * All of standard input. readFileSync(0) fails with EAGAIN when the pipe is
 * non-blocking and the writer is slower than this reader (a big patch piped
 * in by a parent process): read until end of input, waiting out EAGAIN.
 */
function readStdin(): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
