// SPDX-License-Identifier: MIT
// The checker run over a patch's post-images, shared by `iova-lens patch`
// (the driver's other files read from --tree) and the editor's .patch
// documents (from the server's index). One driver folder at a time — the
// analysis is folder-local — and within it only what can matter, as a
// whole-tree scan does: the files that name a translation API, then the
// post-images that call one of the folder's translating helpers. A diff of a
// whole subsystem (2,811 files, 76 MB) is not parsed file by file into
// memory all at once, and an editor re-analysing a 4 MB patch on each edit
// does not parse every file of it whole.
import { Checker, compareFindings, declaresDmaFields, mayMatter } from './engine';
import { dirOf } from './analysis/project';
import type { Config } from './config';
import type { CParser } from './parse/parser';
import type { PostImage } from './patch';
import type { Finding } from './types';

/** A file of the driver folder that the patch does not touch. */
export interface FolderFile {
  key: string;
  text: string;
}

/**
 * Findings on the lines the patch adds — and those an added line brings about
 * on an unchanged one — at their post-image paths and lines, sorted. `others(dir, touched)` gives the folder's other files (not those in
 * `touched`, the patch's own post-images there): its helpers and struct
 * declarations. `errors` collects a rule's internal error, as Checker.errors.
 */
export function checkPostImages(images: PostImage[], others: (dir: string, touched: ReadonlySet<string>) => FolderFile[], parser: CParser, config: Config, errors: string[] = []): Finding[] {
  const byDir = new Map<string, PostImage[]>();
  for (const img of images) {
    const dir = dirOf(img.path);
    const list = byDir.get(dir);
    if (list) list.push(img);
    else byDir.set(dir, [img]);
  }
  const findings: Finding[] = [];
  for (const [dir, imgs] of byDir) {
    const added = new Map(imgs.map((i) => [i.path, i.added]));
    const onAdded = (path: string, line: number) => !!added.get(path)?.has(line);
    // (A line framing a hunk read alone — its header's signature, a closing brace — is no line of the file:
    // a related location there says nothing true about where it is.)
    const framed = new Map(imgs.filter((i) => i.framed).map((i) => [i.path, i.framed!]));
    const onFrame = (r: { path: string; line: number }) => !!framed.get(r.path)?.has(r.line);
    const unframed = (f: Finding): Finding => (f.related.some(onFrame) ? { ...f, related: f.related.filter((r) => !onFrame(r)) } : f);
    const found = folderFindings(imgs.map((i) => ({ key: i.path, text: i.text })), others(dir, new Set(imgs.map((i) => i.path))), parser, config, errors);
    const all = framed.size ? found.map(unframed) : found;
    findings.push(...all.filter((f) => onAdded(f.path, f.line)));
    // A finding on an unchanged line that an added line brings about — the patch adds
    // dma_unmap_page() before an existing translation — is the patch's too: one with a related
    // location on an added line that the post-image without the added lines does not have.
    const caused = all.filter((f) => !onAdded(f.path, f.line) && f.related.some((r) => onAdded(r.path, r.line)));
    if (caused.length === 0) continue;
    // The file before the patch, line for line: an added line that took a removed one's place gets it
    // back (the patch that only edits the unmap call brings nothing about), any other is blanked.
    // (Not removed: every other line keeps its number.)
    const before = imgs.map((i) => ({ key: i.path, text: i.text.split('\n').map((l, n) => (i.added.has(n + 1) ? (i.before?.get(n + 1) ?? '') : l)).join('\n') }));
    const had = new Set(folderFindings(before, others(dir, new Set(imgs.map((i) => i.path))), parser, config, []).map(findingKey));
    findings.push(...caused.filter((f) => !had.has(findingKey(f))));
  }
  return findings.sort(compareFindings);
}

function findingKey(f: Finding): string {
  return `${f.rule}|${f.path}|${f.line}|${f.column}`;
}

/** Every finding of the patch's post-images in one driver folder, its other files read for helpers and facts. */
function folderFindings(imgs: FolderFile[], rest: FolderFile[], parser: CParser, config: Config, errors: string[]): Finding[] {
  const files: FolderFile[] = [...imgs, ...rest];
  const candidates = files.filter((f) => mayMatter(f.text));
  if (candidates.length === 0) return [];
  const checker = new Checker(parser, config);
  try {
    for (const f of files) {
      if (candidates.includes(f)) continue;
      if (declaresDmaFields(f.key, f.text)) checker.setDeclarations(f.key, f.text);
      // (Fields another file gives memory outside the linear map, and domains it allocates, as the scan and the editor read them.)
      else checker.setOtherFile(f.key, f.text);
    }
    checker.setWhole(candidates);
    // Files that name no API but call a helper that translates, as the scan adds them.
    checker.addHelperCallers(files);
    const out = checker.check(imgs.filter((i) => checker.hasFile(i.key)).map((i) => i.key));
    errors.push(...checker.errors);
    return out;
  } finally {
    checker.project.dispose();
  }
}
