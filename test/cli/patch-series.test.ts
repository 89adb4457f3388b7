// SPDX-License-Identifier: MIT
// Property: `iova-lens patch` of a random commit series reports, on the lines
// the series adds, what `iova-lens scan` reports at its head — whether the
// tree holds the series' base or its head, and whichever way git prints the
// series (format-patch, git log -p newest or oldest first, git diff -U0 and
// -U3). Series mix new functions that translate, edits and deletions of lines
// earlier commits added, context-free changes, new files and CRLF files: the
// shapes where a head tree was taken for a base (lines added twice, findings
// on the wrong function or lost). PATCH_SERIES_RUNS=N for a longer run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI, SAMPLE } from '../helpers';

const RUNS = Number(process.env.PATCH_SERIES_RUNS ?? 8);
const FILES = ['drivers/net/ethernet/cavium/thunder/nicvf_queues.c', 'drivers/net/ethernet/acme/acme_rx.c'];

/** A small deterministic generator (one seed per run: a failure names it). */
function rng(seed: number) {
  let s = seed * 7919 + 1;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: T[]): T => a[Math.floor(next() * a.length)] };
}

type State = { lines: string[]; eol: string };

test('patch of a random series equals scan at its head, on the base or the head tree, in every form git prints it', { timeout: 600_000 }, () => {
  const repo = mkdtempSync(join(tmpdir(), 'iova-series-'));
  cpSync(SAMPLE, repo, { recursive: true });
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { encoding: 'utf8', maxBuffer: 1 << 26 });
  git('init', '-q');
  git('config', 'user.email', 't@t');
  git('config', 'user.name', 't');
  git('config', 'core.autocrlf', 'false');
  git('add', '-A');
  git('commit', '-qm', 'base');
  const base = git('rev-parse', 'HEAD').trim();
  const key = (f: { path: string; line: number; rule: string }) => `${f.path}:${f.line}:${f.rule}`;
  const run = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: repo, input, encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return [...new Set((JSON.parse(r.stdout).findings as { path: string; line: number; rule: string }[]).map(key))].sort();
  };
  for (let seed = 1; seed <= RUNS; seed++) {
    const r = rng(seed);
    let uid = 0;
    const fn = (): string[] => {
      const id = uid++;
      return r.pick([
        [`static void *pt_fn${id}(struct iommu_domain *dom, dma_addr_t dma)`, '{', '\treturn phys_to_virt(iommu_iova_to_phys(dom, dma));', '}'],
        [`static void *pt_fn${id}(struct iommu_domain *dom, dma_addr_t dma)`, '{', '\tphys_addr_t p = iommu_iova_to_phys(dom, dma);', '', '\treturn phys_to_virt(p);', '}'],
        [`static void *pt_fn${id}(dma_addr_t h)`, '{', '\treturn phys_to_virt(h);', '}'],
        [`static int pt_fn${id}(int x)`, '{', '\treturn x + 1;', '}'],
      ]);
    };
    const read = (f: string): State => {
      const t = readFileSync(join(repo, f), 'latin1');
      const eol = t.includes('\r\n') ? '\r\n' : '\n';
      const lines = t.split(eol);
      if (lines[lines.length - 1] === '') lines.pop();
      return { lines, eol };
    };
    const write = (f: string, st: State) => {
      mkdirSync(dirname(join(repo, f)), { recursive: true });
      writeFileSync(join(repo, f), st.lines.join(st.eol) + st.eol, 'latin1');
    };
    const fnStarts = (st: State) => st.lines.flatMap((l, i) => (/^static .*pt_fn\d+\(/.test(l) ? [i] : []));
    const ops: Record<string, (st: State) => void> = {
      addFn(st) {
        const ends = st.lines.flatMap((l, i) => (l === '}' ? [i + 1] : []));
        st.lines.splice(ends.length ? r.pick(ends) : st.lines.length, 0, '', ...fn());
      },
      modifyAdded(st) {
        const at = fnStarts(st).map((i) => i + 2).filter((i) => /phys_to_virt|iommu_iova_to_phys/.test(st.lines[i] ?? ''));
        if (at.length) {
          const i = r.pick(at);
          st.lines[i] = r.pick([(l: string) => l.replace('phys_to_virt', '__va'), (l: string) => `${l} /* m */`, (l: string) => l.replace('(dom, dma)', '(dom, dma + 0)')])(st.lines[i]);
        }
      },
      addStmt(st) {
        const at = fnStarts(st).filter((i) => /dom/.test(st.lines[i]));
        if (at.length) st.lines.splice(r.pick(at) + 2, 0, r.pick(['\t(void)phys_to_virt(iommu_iova_to_phys(dom, dma));', '\tpr_debug("pt\\n");', '\t/* a comment */']));
      },
      deleteAdded(st) {
        const starts = fnStarts(st);
        if (!starts.length) return;
        const i = r.pick(starts);
        let e = i;
        while (e < st.lines.length - 1 && st.lines[e] !== '}') e++;
        // The whole function, or one line of its body.
        if (r.next() < 0.5) st.lines.splice(i, e - i + 1);
        else if (e - i > 3) st.lines.splice(i + 2 + r.int(e - i - 2), 1);
      },
      contextFree(st) {
        const k = r.int(4);
        if (k === 0) st.lines.splice(0, 0, `/* note ${uid++} */`);
        else if (k === 1) st.lines.splice(r.int(st.lines.length), 0, '');
        else if (k === 2) {
          const ends = st.lines.flatMap((l, i) => (/;\s*$/.test(l) ? [i] : []));
          if (ends.length) {
            const i = r.pick(ends);
            st.lines[i] += ` /* c${uid++} */`;
          }
        } else {
          const i = r.int(st.lines.length);
          if (/^\s*(\/\*|\*)/.test(st.lines[i])) st.lines.splice(i, 1);
        }
      },
    };
    git('checkout', '-q', '-f', base);
    git('checkout', '-q', '-B', `s${seed}`);
    const files = [...FILES];
    const commits = 1 + r.int(4);
    for (let c = 0; c < commits; c++) {
      for (let o = 1 + r.int(3); o > 0; o--) {
        const x = r.next();
        if (x < 0.12) {
          const f = `drivers/net/ethernet/acme/pt_new${uid}.c`;
          write(f, { lines: ['#include <linux/iommu.h>', '', ...fn()], eol: r.next() < 0.5 ? '\r\n' : '\n' });
          files.push(f);
          continue;
        }
        const f = r.pick(files);
        const st = read(f);
        if (x < 0.18 && st.eol === '\n') st.eol = '\r\n';
        else ops[r.pick(['addFn', 'addFn', 'addStmt', 'modifyAdded', 'deleteAdded', 'contextFree', 'contextFree'])](st);
        write(f, st);
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', `c${c}`);
    }
    const head = git('rev-parse', 'HEAD').trim();
    // What the series adds (its net added lines), and what scan finds there at the head.
    const u0 = git('diff', '-U0', base, head);
    const added = new Set<string>();
    let file = '';
    let line = 0;
    for (const l of u0.split('\n')) {
      let m: RegExpExecArray | null;
      if ((m = /^\+\+\+ b\/(.*)$/.exec(l))) file = m[1];
      else if ((m = /^@@ -\S+ \+(\d+)(?:,\d+)? @@/.exec(l))) line = Number(m[1]);
      else if (l.startsWith('+')) added.add(`${file}:${line++}`);
    }
    const want = run(['scan', '.', '--no-cache', '--format', 'json']).filter((k) => added.has(k.slice(0, k.lastIndexOf(':'))));
    const forms: Record<string, string> = {
      'format-patch': git('format-patch', '--stdout', `${base}..${head}`),
      'log -p': git('log', '-p', `${base}..${head}`),
      'log -p --reverse': git('log', '-p', '--reverse', `${base}..${head}`),
      'diff -U0': u0,
      diff: git('diff', base, head),
    };
    for (const [where, rev] of [['head', head], ['base', base]]) {
      git('checkout', '-q', '-f', rev);
      for (const [form, text] of Object.entries(forms)) {
        assert.deepEqual(run(['patch', '-', '--tree', '.', '--format', 'json'], text), want, `seed ${seed}, ${form} on the ${where} tree`);
      }
    }
  }
});
