// SPDX-License-Identifier: MIT
// Optional fast prefilter: when ripgrep is on PATH, one `rg` over the scan
// paths counts, for every .c/.h file it reads, the translation API names in
// it (rg searches a kernel tree several times faster than Node can read it).
// It runs while the main thread walks the tree. Without rg (or with
// IOVA_LENS_NO_RG=1) every file is read and prefiltered in Node; the findings
// and the error lines are the same either way.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const PREFILTER_NAMES = [
  'iommu_iova_to_phys', 'phys_to_virt', '__va', 'bus_to_virt', 'phys_to_page', 'pfn_to_page', 'pfn_to_kaddr',
  'virt_to_page', 'virt_to_head_page', 'sg_set_buf', 'sg_init_one', 'virt_to_phys', '__pa', 'virt_addr_valid', 'virt_to_bus', 'virt_to_pfn',
  'remap_pfn_range',
  // A suppression is checked even where the code it silenced is gone (engine.ts mayMatter).
  'iova-lens-ignore',
];

/** The ripgrep to run: IOVA_LENS_RG (the editor passes VS Code's own), else `rg` on PATH. */
export function ripgrepBinary(): string {
  return process.env.IOVA_LENS_RG || 'rg';
}

/**
 * What ripgrep says of each file it searched, by absolute path:
 *  - `true`: it names a translation API (read it whole);
 *  - `false`: rg read it all, it names none and holds no NUL byte — so it
 *    cannot matter by itself and is not binary: it is not even opened again.
 * A file rg does not list is unknown (read it whole, with every check): a
 * file with a NUL byte (rg leaves binary files out of `--count` output when it
 * walks a folder), one it could not read, or one it did not walk — and a file
 * named in `paths`, which rg searches even when it is binary. `null` when rg
 * is unavailable.
 */
export function ripgrepCounts(paths: string[], cwd = process.cwd(), shallow = false): Promise<Map<string, boolean> | null> {
  if (process.env.IOVA_LENS_NO_RG) return Promise.resolve(null);
  // Too many folders for one command line: let Node read them instead.
  if (paths.length > 2000) return Promise.resolve(null);
  if (paths.length === 0) return Promise.resolve(new Map());
  // `shallow`: the paths are single driver folders, not their subfolders (those are groups of their own).
  const depth = shallow ? ['--max-depth', '1'] : [];
  // --count --include-zero (ripgrep ≥ 12; an older rg rejects the flag, exits 2 with no output, and
  // Node reads every file): a line for every text file searched, also those without a name in them.
  // Absolute paths in, absolute paths out (no resolve() for each of a tree's 30k lines).
  // rg opens what it is named, and a FIFO or device named on the command line
  // never ends: those are left to discover(), which reports them unread.
  const searchable = paths.map((p) => resolve(cwd, p)).filter((p) => {
    try {
      const st = statSync(p);
      return st.isDirectory() || st.isFile();
    } catch {
      return true; // (missing, a loop: rg says nothing of it, discover() reports it)
    }
  });
  if (searchable.length === 0) return Promise.resolve(new Map());
  const args = ['--count', '--include-zero', '-uu', '-L', '-w', '--no-messages', '--no-config', ...depth, '-g', '*.[ch]', ...PREFILTER_NAMES.flatMap((n) => ['-e', n]), '--', ...searchable];
  // rg writes its 30k lines to a file, not a pipe: a pipe fills up while
  // this thread walks the tree (synchronously) and would stall the search.
  let dir: string;
  let fd: number;
  try {
    dir = mkdtempSync(join(tmpdir(), 'iova-lens-rg-'));
    fd = openSync(join(dir, 'counts'), 'w');
  } catch {
    return Promise.resolve(null);
  }
  const read = (code: number | null): Map<string, boolean> | null => {
    let text: string;
    try {
      text = readFileSync(join(dir, 'counts'), 'utf8');
    } catch {
      return null;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // 0: matches, 1: no match, 2 with output: some paths could not be read (we report those ourselves).
    if (code !== 0 && code !== 1 && !(code === 2 && text)) return null;
    const counts = new Map<string, boolean>();
    for (const line of text.split('\n')) {
      // `path:count` — the path may itself hold a colon: the count is after the last one.
      const colon = line.lastIndexOf(':');
      if (colon <= 0) continue;
      const path = line.slice(0, colon);
      counts.set(path.charCodeAt(0) === 47 ? path : resolve(cwd, path), line.slice(colon + 1) !== '0');
    }
    for (const p of paths) counts.delete(resolve(cwd, p));
    return counts;
  };
  return new Promise((done) => {
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      done(read(code));
    };
    try {
      const child = spawn(ripgrepBinary(), args, { cwd, stdio: ['ignore', fd, 'ignore'] });
      child.on('error', () => finish(null));
      child.on('close', (code) => finish(code));
    } catch {
      finish(null);
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
  });
}
