// Robustness fuzzer (SPEC §3: "100k mutated/truncated C inputs: no crash, no
// hang (> 2 s/file), no unbounded memory").
//
//   npm run fuzz                          # 100 000 inputs, seed 1
//   node scripts/fuzz.mjs --count 5000 --seed 7 --jobs 2
//
// Seeds: test/fixtures/**/*.{c,h} plus, when the kernel tree is unpacked in
// .cache/linux-6.12, up to 300 files of its drivers/ that name
// iommu_iova_to_phys/phys_to_virt/virt_to_page. Each input is a seed (or a
// window of one) put through 1–4 mutations — byte flips, cuts, deleted
// braces, huge macro lines, deep nesting, NUL bytes, invalid UTF-8, lone
// surrogates, splices, repeated chunks, API names injected — and then through
// the whole analysis in-process (read as another file of its folder and
// analysed, Checker.setOtherFile + setFile, or skimmed, setSkimmed; then check
// + the output formats), from a bundle of src/core built here with esbuild (so a
// concurrent `esbuild.mjs --tests` wiping out/ does not matter).
//
// Input i is a pure function of (--seed, i): the main thread can rebuild the
// input a hung worker was on. Workers report each input that throws, reports
// an internal error, or takes longer than --max-ms (default 2000); a worker
// stuck for --hang-ms (default 20000) is terminated, its input saved, and a
// new worker goes on after it. Every failing input is saved under
// test/fixtures/regressions/ (replayed by test/robustness/regressions.test.ts).
// Exit status 1 when any input failed.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BUNDLE = join(ROOT, '.cache', 'fuzz', 'core.cjs');
const REGRESSIONS = join(ROOT, 'test', 'fixtures', 'regressions');

// ---------------------------------------------------------------- PRNG and mutations

/** mulberry32: small, fast, deterministic. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const API = ['iommu_iova_to_phys(dom, iova)', 'phys_to_virt(pa)', 'virt_to_page(va)', '__va(x)', 'virt_to_phys(buf)', 'pfn_to_page(dma >> PAGE_SHIFT)', 'dma_unmap_single(dev, dma, len, DIR)', 'dma_alloc_coherent(dev, sz, &dma, GFP_KERNEL)', 'put_page(page)', 'iommu_get_domain_for_dev(dev)'];
const TOKENS = ['{', '}', '(', ')', ';', '#if 0\n', '#else\n', '#endif\n', '#define ', '\\\n', '/*', '*/', '"', "'", '?', ':', '->', '=', '==', 'if (', 'return ', 'goto out;', 'dma_addr_t ', 'struct page *', '\n'];

/**
 * The mutations. Each takes (text, r, pick) and returns the new text. `pick`
 * returns a random seed text (for splices). They work on JS strings; the
 * byte-level ones go through a latin1/utf-8 round trip like the CLI's lenient
 * decoding, so invalid UTF-8 shows up as U+FFFD exactly as in a real scan.
 */
const MUTATIONS = {
  byteFlip(t, r) {
    const b = Buffer.from(t, 'utf8');
    if (b.length === 0) return t;
    const n = 1 + Math.floor(r() * 16);
    for (let i = 0; i < n; i++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
    return new TextDecoder('utf-8', { fatal: false }).decode(b);
  },
  truncate(t, r) {
    return t.slice(0, Math.floor(r() * t.length));
  },
  cutMiddle(t, r) {
    const a = Math.floor(r() * t.length);
    const len = Math.floor(r() * Math.min(4096, t.length - a));
    return t.slice(0, a) + t.slice(a + len);
  },
  deleteBraces(t, r) {
    const which = r() < 0.33 ? /[{]/g : r() < 0.5 ? /[}]/g : /[{}()]/g;
    const p = r();
    return t.replace(which, (m) => (r() < p ? '' : m));
  },
  hugeMacro(t, r) {
    const n = 1000 + Math.floor(r() * 30000);
    const parts = [];
    const kind = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      if (kind === 0) parts.push(`phys_to_virt(x${i % 97}) + `);
      else if (kind === 1) parts.push(`a${i} \\\n`);
      else if (kind === 2) parts.push(`iommu_iova_to_phys(d, `);
      else parts.push(`(`);
    }
    const line = `#define IOVA_LENS_FUZZ(x, y) ${parts.join('')} 0\n`;
    const at = lineStart(t, Math.floor(r() * t.length));
    return t.slice(0, at) + line + t.slice(at);
  },
  deepNesting(t, r) {
    const depth = 200 + Math.floor(r() * (r() < 0.3 ? 30000 : 3000));
    const kind = Math.floor(r() * 6);
    const open = ['if (x) {', '(', '{', 'phys_to_virt(', 'a ? (', 'do { while (1) '][kind];
    const close = ['}', ')', '}', ')', ') : b', '} while (0);'][kind];
    const inner = kind === 1 || kind === 3 || kind === 4 ? 'iommu_iova_to_phys(d, iova)' : 'p = phys_to_virt(iommu_iova_to_phys(d, iova));';
    const closeAll = r() < 0.7;
    const body = open.repeat(depth) + inner + (closeAll ? close.repeat(depth) : close.repeat(Math.floor(depth / 2)));
    const fn = kind === 1 || kind === 3 || kind === 4 ? `void *fz(struct iommu_domain *d, dma_addr_t iova)\n{\n\treturn ${body};\n}\n` : `void fz(struct iommu_domain *d, dma_addr_t iova)\n{\n\tvoid *p;\n${body}\n}\n`;
    const at = lineStart(t, Math.floor(r() * t.length));
    return t.slice(0, at) + fn + t.slice(at);
  },
  nulBytes(t, r) {
    const a = t.split('');
    const n = 1 + Math.floor(r() * 32);
    for (let i = 0; i < n; i++) a.splice(Math.floor(r() * (a.length + 1)), 0, '\0');
    return a.join('');
  },
  invalidUtf8(t, r) {
    const b = Buffer.from(t, 'utf8');
    const chunks = [];
    let last = 0;
    const n = 1 + Math.floor(r() * 16);
    const cuts = Array.from({ length: n }, () => Math.floor(r() * (b.length + 1))).sort((x, y) => x - y);
    for (const c of cuts) {
      chunks.push(b.subarray(last, c));
      const bad = [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80], [0xc0, 0xaf]][Math.floor(r() * 7)];
      chunks.push(Buffer.from(bad));
      last = c;
    }
    chunks.push(b.subarray(last));
    return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  },
  loneSurrogates(t, r) {
    // What an editor buffer (LSP) can hold and a file read never does.
    const a = t.split('');
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) a.splice(Math.floor(r() * (a.length + 1)), 0, String.fromCharCode(r() < 0.5 ? 0xd800 + Math.floor(r() * 1024) : 0xdc00 + Math.floor(r() * 1024)));
    return a.join('');
  },
  splice(t, r, pick) {
    const o = pick();
    const a = Math.floor(r() * o.length);
    const piece = o.slice(a, a + Math.floor(r() * 8192));
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + piece + t.slice(at);
  },
  repeatChunk(t, r) {
    const a = Math.floor(r() * t.length);
    const piece = t.slice(a, a + 1 + Math.floor(r() * 2048));
    const n = 2 + Math.floor(r() * (r() < 0.2 ? 400 : 20));
    return t.slice(0, a) + piece.repeat(n) + t.slice(a);
  },
  injectTokens(t, r) {
    let s = t;
    const n = 1 + Math.floor(r() * 24);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(r() * (s.length + 1));
      const tok = r() < 0.4 ? API[Math.floor(r() * API.length)] : TOKENS[Math.floor(r() * TOKENS.length)];
      s = s.slice(0, at) + tok + s.slice(at);
    }
    return s;
  },
  renameToApi(t, r) {
    // Turn ordinary calls into translation APIs so the data-flow paths run on broken code.
    const p = 0.05 + r() * 0.3;
    const names = ['phys_to_virt', 'virt_to_page', 'iommu_iova_to_phys', 'dma_unmap_page', 'pfn_to_page', 'virt_to_phys', 'dma_alloc_coherent', 'vmalloc'];
    return t.replace(/\b[a-z_][a-z0-9_]*(?=\s*\()/g, (m) => (r() < p ? names[Math.floor(r() * names.length)] : m));
  },
  lineEndings(t, r) {
    return r() < 0.5 ? t.replace(/\n/g, '\r\n') : t.replace(/\n/g, r() < 0.5 ? '\r' : '\u2028');
  },
  suppressions(t, r) {
    const lines = t.split('\n');
    const n = 1 + Math.floor(r() * 10);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(r() * (lines.length + 1));
      lines.splice(at, 0, r() < 0.5 ? '/* iova-lens-ignore iova-reverse-lookup: fuzz */' : `// iova-lens-ignore ${r() < 0.5 ? 'linear-map-assumption' : 'x'}${r() < 0.5 ? ': ' : ''}`);
    }
    return lines.join('\n');
  },
};
const NAMES = Object.keys(MUTATIONS);

function lineStart(t, i) {
  const j = t.lastIndexOf('\n', i - 1);
  return j < 0 ? 0 : j + 1;
}

/** Input number `i` of a run: [name, text, mutation names]. Pure in (seed, i). */
export function makeInput(seeds, seed, i) {
  const r = rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
  const s = seeds[Math.floor(r() * seeds.length)];
  let text = s.text;
  // Mostly windows of a few KB (fast, many inputs); now and then the whole file.
  if (r() < 0.85 && text.length > 4096) {
    const len = 512 + Math.floor(r() * 16384);
    const a = lineStart(text, Math.floor(r() * Math.max(1, text.length - len)));
    text = text.slice(a, a + len);
  }
  const pick = () => seeds[Math.floor(r() * seeds.length)].text;
  const n = 1 + Math.floor(r() * 4);
  const used = [];
  for (let k = 0; k < n; k++) {
    const m = NAMES[Math.floor(r() * NAMES.length)];
    used.push(m);
    text = MUTATIONS[m](text, r, pick);
    if (text.length > 1_500_000) text = text.slice(0, 1_500_000);
  }
  return { seed: s.name, text, mutations: used };
}

// ---------------------------------------------------------------- seeds

function walk(dir, out, filter) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      if (name !== 'regressions') walk(p, out, filter);
    } else if (filter(p, st)) out.push(p);
  }
  return out;
}

export function loadSeeds(maxKernel = 300) {
  const seeds = [];
  for (const p of walk(join(ROOT, 'test', 'fixtures'), [], (p) => /\.[ch]$/.test(p))) seeds.push({ name: relative(ROOT, p), text: readFileSync(p, 'utf8') });
  const kernel = join(ROOT, '.cache', 'linux-6.12', 'drivers');
  if (existsSync(kernel)) {
    const re = /\b(?:iommu_iova_to_phys|phys_to_virt|virt_to_page)\b/;
    const hits = walk(kernel, [], (p, st) => /\.[ch]$/.test(p) && st.size < 400_000 && re.test(readFileSync(p, 'latin1')));
    // A stable, spread-out sample.
    const step = Math.max(1, hits.length / maxKernel);
    for (let k = 0; k < hits.length && seeds.length < maxKernel + 50; k += step) {
      const p = hits[Math.floor(k)];
      seeds.push({ name: relative(ROOT, p), text: readFileSync(p, 'utf8') });
    }
  }
  return seeds;
}

// ---------------------------------------------------------------- the bundle

export async function buildBundle() {
  const esbuild = await import('esbuild');
  mkdirSync(join(ROOT, '.cache', 'fuzz'), { recursive: true });
  await esbuild.build({
    stdin: {
      contents: [
        "export { Checker } from './src/core/engine';",
        "export { createParser } from './src/core/parse/parser';",
        "export { DEFAULT_CONFIG } from './src/core/config';",
        "export { formatJson } from './src/core/formats/json';",
        "export { formatSarif } from './src/core/formats/sarif';",
        "export { formatGcc } from './src/core/formats/gcc';",
        "export { formatText } from './src/core/formats/text';",
        // (The whole-tree scan's per-folder analysis, for scripts/scaling.mjs.)
        "export { analyzeGroup } from './src/cli/scan-group';",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // (The alias below is resolved against the working directory: the repository's, wherever this runs from.)
    absWorkingDir: ROOT,
    outfile: BUNDLE,
    alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' },
    define: { __IOVA_LENS_VERSION__: '"fuzz"' },
    logLevel: 'warning',
  });
  return BUNDLE;
}

/** Loads the bundle and a parser: { core, parser }. */
export async function loadCore(bundle = BUNDLE) {
  const { createRequire } = await import('node:module');
  const require = createRequire(join(ROOT, 'package.json'));
  const core = require(bundle);
  const parser = await core.createParser({
    runtime: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')),
    grammar: readFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm')),
  });
  return { core, parser };
}

/** Loads the bundle and a parser; returns analyse(text) → { ms, findings, errors }. */
export async function loadAnalyser(bundle = BUNDLE) {
  const { core, parser } = await loadCore(bundle);
  // Each input goes both ways: the editor's full parse and a whole-tree scan's skimmed one (keep.ts, skim.ts).
  // The editor's way also reads it as another file of the folder, one that is not analysed (setOtherFile:
  // field lines, domain allocations, allocation wrappers), whose facts the analysed copy then uses.
  return (text, path = 'drivers/net/ethernet/fuzz/fuzz.c') => {
    const other = path.replace(/(\.[ch])$/, '_other$1');
    const whole = once(text, path, (c) => {
      c.setOtherFile(other, text);
      c.setFile(path, text);
    });
    const skimmed = once(text, path, (c) => c.setSkimmed([{ key: path, text }]));
    return { ms: Math.max(whole.ms, skimmed.ms), findings: whole.findings, errors: [...whole.errors, ...skimmed.errors.map((e) => `(skimmed) ${e}`)] };
  };

  function once(text, path, add) {
    const t0 = performance.now();
    const checker = new core.Checker(parser, core.DEFAULT_CONFIG);
    try {
      add(checker);
      const findings = checker.check();
      const report = { tool: 'iova-lens', version: 'fuzz', root: '/fuzz', filesScanned: 1, durationMs: 0, findings, errors: [] };
      core.formatJson(report);
      core.formatSarif(report);
      core.formatGcc(findings, true);
      core.formatText(findings, [], { color: false, filesScanned: 1, durationMs: 0 });
      return { ms: performance.now() - t0, findings: findings.length, errors: [...(checker.errors ?? [])] };
    } finally {
      checker.project.dispose();
    }
  }
}

// ---------------------------------------------------------------- saving

export function saveRegression(text, reason) {
  mkdirSync(REGRESSIONS, { recursive: true });
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 12);
  // Text that survives a UTF-8 round trip is kept as a plain .c file (exactly
  // what a scan reads); text with lone surrogates (editor buffers) as JSON.
  const roundTrips = Buffer.from(text, 'utf8').toString('utf8') === text;
  const kind = reason.kind;
  const file = join(REGRESSIONS, `${kind}-${hash}.${roundTrips ? 'c' : 'json'}`);
  if (roundTrips) writeFileSync(file, text);
  else writeFileSync(file, JSON.stringify({ text }) + '\n');
  writeFileSync(file.replace(/\.(c|json)$/, '.why.txt'), `${reason.message}\n`);
  return relative(ROOT, file);
}

// ---------------------------------------------------------------- worker

async function workerMain() {
  const { seeds, seed, from, to, maxMs, progress } = workerData;
  const analyse = await loadAnalyser();
  let slowest = { ms: 0, i: -1 };
  let done = 0;
  for (let i = from; i < to; i++) {
    progress[workerData.slot] = i;
    const inp = makeInput(seeds, seed, i);
    let res;
    try {
      res = analyse(inp.text);
    } catch (e) {
      parentPort.postMessage({ fail: { i, kind: 'crash', message: `${inp.seed} [${inp.mutations}]: ${e?.stack ?? e}` } });
      done++;
      continue;
    }
    if (res.errors.length) parentPort.postMessage({ fail: { i, kind: 'crash', message: `${inp.seed} [${inp.mutations}]: ${res.errors.join('\n')}` } });
    if (res.ms > maxMs) parentPort.postMessage({ fail: { i, kind: 'slow', message: `${inp.seed} [${inp.mutations}]: ${res.ms.toFixed(0)} ms > ${maxMs} ms` } });
    if (res.ms > slowest.ms) slowest = { ms: res.ms, i, len: inp.text.length, what: `${inp.seed} [${inp.mutations}]` };
    if (++done % 250 === 0) {
      parentPort.postMessage({ progress: { done, slowest, heap: process.memoryUsage().heapUsed } });
      done = 0;
    }
  }
  parentPort.postMessage({ progress: { done, slowest, heap: process.memoryUsage().heapUsed }, finished: true });
}

// ---------------------------------------------------------------- main

function parseArgs(argv) {
  const o = { count: 100000, seed: 1, jobs: 1, maxMs: 2000, hangMs: 20000, save: true, maxRssMb: 2048, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = Number(argv[++i]);
      if (!Number.isFinite(x)) throw new Error(`${a} needs a number`);
      return x;
    };
    if (a === '--count') o.count = v();
    else if (a === '--seed') o.seed = v();
    else if (a === '--jobs') o.jobs = v();
    else if (a === '--max-ms') o.maxMs = v();
    else if (a === '--hang-ms') o.hangMs = v();
    else if (a === '--max-rss-mb') o.maxRssMb = v();
    else if (a === '--no-save') o.save = false;
    else if (a === '--quiet') o.quiet = true;
    else throw new Error(`unknown option ${a} (--count N --seed S --jobs J --max-ms MS --hang-ms MS --max-rss-mb MB --no-save --quiet)`);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  await buildBundle();
  const seeds = loadSeeds();
  console.log(`iova-lens fuzz: ${o.count} inputs from ${seeds.length} seeds, seed ${o.seed}, ${o.jobs} worker(s), budget ${o.maxMs} ms/input`);
  const progress = new Int32Array(new SharedArrayBuffer(4 * o.jobs));
  const failures = [];
  let done = 0;
  let slowest = { ms: 0, i: -1 };
  let rssMin = Infinity;
  let rssMax = 0;
  const rssSamples = [];
  const record = (f) => {
    const inp = makeInput(seeds, o.seed, f.i);
    const file = o.save ? saveRegression(inp.text, f) : '(not saved)';
    failures.push({ ...f, file });
    console.log(`FAIL ${f.kind} #${f.i}: ${f.message.split('\n').slice(0, 4).join(' | ')} → ${file}`);
  };
  const per = Math.ceil(o.count / o.jobs);
  const ranges = Array.from({ length: o.jobs }, (_, k) => [k * per, Math.min(o.count, (k + 1) * per)]).filter(([a, b]) => a < b);
  const countDone = () => ranges.reduce((n, [a], slot) => n + (progress[slot] - a), 0);
  const sample = setInterval(() => {
    done = countDone();
    const rss = process.memoryUsage().rss;
    rssMin = Math.min(rssMin, rss);
    rssMax = Math.max(rssMax, rss);
    rssSamples.push(rss);
    if (!o.quiet) process.stdout.write(`\r${done}/${o.count} inputs, ${failures.length} failing, slowest ${slowest.ms.toFixed(0)} ms, RSS ${(rss / 1048576).toFixed(0)} MB   `);
  }, 1000);
  let rssExceeded = false;
  const runRange = (slot, from, to) =>
    new Promise((resolveRange) => {
      progress[slot] = from;
      let handled = false;
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { seeds, seed: o.seed, from, to, maxMs: o.maxMs, progress, slot }, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
      let last = from;
      let lastChange = Date.now();
      const watch = setInterval(() => {
        const cur = progress[slot];
        if (cur !== last) {
          last = cur;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > o.hangMs && !handled) {
          handled = true;
          clearInterval(watch);
          record({ i: cur, kind: 'hang', message: `input ${cur}: no progress for ${o.hangMs} ms (${makeInput(seeds, o.seed, cur).mutations})` });
          void w.terminate().then(() => resolveRange(runRange(slot, cur + 1, to)));
        }
        if (process.memoryUsage().rss > o.maxRssMb * 1048576 && !rssExceeded) {
          rssExceeded = true;
          console.log(`\nRSS above ${o.maxRssMb} MB at input ${cur}`);
        }
      }, 250);
      w.on('message', (m) => {
        if (m.fail) record(m.fail);
        if (m.progress) {
          if (m.progress.slowest.ms > slowest.ms) slowest = m.progress.slowest;
        }
      });
      w.on('error', (e) => {
        if (handled) return;
        handled = true;
        clearInterval(watch);
        const cur = progress[slot];
        record({ i: cur, kind: 'crash', message: `worker died on input ${cur}: ${e?.stack ?? e}` });
        resolveRange(runRange(slot, cur + 1, to));
      });
      w.on('exit', () => {
        if (handled) return;
        handled = true;
        clearInterval(watch);
        progress[slot] = to;
        resolveRange();
      });
    });
  if (o.count > 0) await Promise.all(ranges.map(([a, b], slot) => runRange(slot, a, b)));
  clearInterval(sample);
  done = countDone();
  const rss = process.memoryUsage().rss;
  rssMin = Math.min(rssMin, rss);
  rssMax = Math.max(rssMax, rss);
  const secs = (Date.now() - t0) / 1000;
  console.log(`\niova-lens fuzz: ${done} inputs in ${secs.toFixed(0)} s (${(done / secs).toFixed(0)}/s); ${failures.length} failing`);
  if (slowest.i >= 0) console.log(`slowest input: #${slowest.i} ${slowest.ms.toFixed(0)} ms (${slowest.len} chars, ${slowest.what})`);
  console.log(`RSS: ${(rssMin / 1048576).toFixed(0)}–${(rssMax / 1048576).toFixed(0)} MB (sampled each second)`);
  for (const f of failures) console.log(`  ${f.kind} #${f.i} → ${f.file}`);
  process.exitCode = failures.length || rssExceeded ? 1 : 0;
}

if (isMainThread) {
  if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    main().catch((e) => {
      console.error(`iova-lens fuzz: ${e?.stack ?? e}`);
      process.exitCode = 2;
    });
  }
} else {
  workerMain().catch((e) => {
    parentPort.postMessage({ fail: { i: workerData.progress[workerData.slot], kind: 'crash', message: `worker setup: ${e?.stack ?? e}` } });
  });
}
