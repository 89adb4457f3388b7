// SPDX-License-Identifier: MIT
// Optional fast prefilter: when ripgrep is on PATH, one `rg -l` over the scan
// paths names the files that mention any translation API (rg searches a
// kernel tree several times faster than Node can read it). Files it does not
// name are known not to matter by themselves and are not read in full (only
// their head, for the binary check). The search runs while the main thread
// walks the tree. Without rg (or with IOVA_LENS_NO_RG=1) every file is read
// and prefiltered in Node; the findings are the same either way.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const PREFILTER_NAMES = [
  'iommu_iova_to_phys', 'phys_to_virt', '__va', 'bus_to_virt', 'phys_to_page', 'pfn_to_page', 'pfn_to_kaddr',
  'virt_to_page', 'virt_to_head_page', 'virt_to_phys', '__pa', 'virt_addr_valid', 'virt_to_bus', 'virt_to_pfn',
];

/** Absolute paths of the .c/.h files under `paths` that mention a name, or null when rg is unavailable. */
export function ripgrepHits(paths: string[], cwd = process.cwd(), shallow = false): Promise<Set<string> | null> {
  if (process.env.IOVA_LENS_NO_RG) return Promise.resolve(null);
  // Too many folders for one command line: let Node read them instead.
  if (paths.length > 2000) return Promise.resolve(null);
  // `shallow`: the paths are single driver folders, not their subfolders (those are groups of their own).
  const depth = shallow ? ['--max-depth', '1'] : [];
  const args = ['-l', '-uu', '-L', '-w', '--no-messages', '--no-config', ...depth, '-g', '*.[ch]', ...PREFILTER_NAMES.flatMap((n) => ['-e', n]), '--', ...paths];
  return new Promise((done) => {
    const out: Buffer[] = [];
    let child;
    try {
      child = spawn('rg', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return done(null);
    }
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', () => done(null));
    // 0: matches, 1: no match, 2 with output: some paths could not be read (we report those ourselves).
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      if (code !== 0 && code !== 1 && !(code === 2 && text)) return done(null);
      done(new Set(text.split('\n').filter(Boolean).map((p) => resolve(cwd, p))));
    });
  });
}
