// SPDX-License-Identifier: MIT
// Optional fast prefilter: when ripgrep is on PATH, one `rg -l` over the scan
// paths names the files that mention any translation API (rg searches a
// kernel tree several times faster than Node can read it). Files it does not
// name are known not to matter by themselves and are not read in full. Without
// rg (or with IOVA_LENS_NO_RG=1) every file is read and prefiltered in Node;
// the findings are the same either way.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const PREFILTER_NAMES = [
  'iommu_iova_to_phys', 'phys_to_virt', '__va', 'bus_to_virt', 'phys_to_page', 'pfn_to_page', 'pfn_to_kaddr',
  'virt_to_page', 'virt_to_head_page', 'virt_to_phys', '__pa', 'virt_addr_valid', 'virt_to_bus', 'virt_to_pfn',
];

/** Absolute paths of the .c/.h files under `paths` that mention a name, or null when rg is unavailable. */
export function ripgrepHits(paths: string[], cwd = process.cwd(), shallow = false): Set<string> | null {
  if (process.env.IOVA_LENS_NO_RG) return null;
  // Too many folders for one command line: let Node read them instead.
  if (paths.length > 2000) return null;
  // `shallow`: the paths are single driver folders, not their subfolders (those are groups of their own).
  const depth = shallow ? ['--max-depth', '1'] : [];
  const args = ['-l', '-uu', '-L', '-w', '--no-messages', ...depth, '-g', '*.[ch]', ...PREFILTER_NAMES.flatMap((n) => ['-e', n]), '--', ...paths];
  const r = spawnSync('rg', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // 0: matches, 1: no match; 2 with output: some paths could not be read (we report those ourselves).
  if (r.error || (r.status !== 0 && r.status !== 1 && !r.stdout)) return null;
  return new Set(r.stdout.split('\n').filter(Boolean).map((p) => resolve(cwd, p)));
}
