// SPDX-License-Identifier: MIT
// The trees the editor's files belong to. A kernel tree is one analysis
// (its .iova-lens.json, paths relative to its root — what ownsTranslation's
// `drivers/iommu/**` and the CLI's output are relative to). A window may hold
// several: a multi-root workspace with linux and linux-next side by side, or
// a file opened on its own from a tree that is no workspace folder. Each file
// is analysed in its own tree: a workspace folder's tree when it lies in one,
// else the tree found upward from the file (.iova-lens.json, else MAINTAINERS,
// as the CLI finds it), else its own folder. In every tree a file's sibling
// .c/.h are read when it is opened, for their helpers (as `iova-lens scan
// one-file.c` reads them); the rest of the tree only by Scan Workspace.
import { dirname, sep } from 'node:path';
import { findUp } from '../cli/files';
import type { CParser } from '../core/parse/parser';
import type { ServerSettings } from '../protocol/lsp';
import { Workspace, sanitizeSettings } from './workspace';

/** The root of the tree a folder or file is in (SPEC §1.3: .iova-lens.json, else MAINTAINERS upward, else itself). */
export function treeRootOf(dir: string): string {
  return findUp(dir, '.iova-lens.json') ?? findUp(dir, 'MAINTAINERS') ?? dir;
}

function contains(dir: string, abs: string): boolean {
  return abs === dir || abs.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export class Trees {
  private readonly byRoot = new Map<string, Workspace>();
  /** Workspace folders and the root of the tree each is in, deepest folder first. */
  private readonly folders: { folder: string; root: string }[];
  /** The user's settings as last given (a tree made later gets them too). */
  private settings: unknown;

  constructor(
    private readonly parser: CParser,
    folders: string[],
    private readonly log: (msg: string) => void,
  ) {
    const listed = folders.map((folder) => ({ folder, root: treeRootOf(folder) }));
    this.folders = [...listed].sort((a, b) => b.folder.length - a.folder.length);
    // (In the order the workspace lists its folders: the first folder's tree is all()[0].)
    const grouped = new Map<string, string[]>();
    for (const f of listed) grouped.set(f.root, [...(grouped.get(f.root) ?? []), f.folder]);
    for (const [root, list] of grouped) this.byRoot.set(root, new Workspace(parser, root, list, log));
  }

  /** Every tree, workspace folders' first. */
  all(): Workspace[] {
    return [...this.byRoot.values()];
  }

  /** The tree a file is analysed in; made the first time a file outside every tree asks. */
  for(abs: string): Workspace {
    let ws = this.find(abs);
    if (!ws) {
      const root = treeRootOf(dirname(abs));
      ws = new Workspace(this.parser, root, [], this.log);
      if (this.settings !== undefined) ws.setEditorSettings(this.settings);
      this.byRoot.set(root, ws);
    }
    // The file's driver folder is read once, for its helpers (the analysis is folder-local).
    if (/\.[ch]$/.test(abs)) ws.indexFolder(dirname(abs));
    return ws;
  }

  /**
   * The tree a .patch/.diff applies to: the one it lies in, else the first
   * workspace folder's (a patch saved from mail to ~/Downloads is for the
   * tree the window holds), else the tree found upward from it.
   */
  forPatch(abs: string): Workspace {
    return this.find(abs) ?? this.all()[0] ?? this.for(abs);
  }

  /** The tree a file belongs to, if one is open already (file-watch events make none). */
  find(abs: string): Workspace | undefined {
    const folder = this.folders.find((f) => contains(f.folder, abs));
    if (folder) return this.byRoot.get(folder.root);
    let best: string | undefined;
    for (const root of this.byRoot.keys()) if (contains(root, abs) && (!best || root.length > best.length)) best = root;
    return best ? this.byRoot.get(best) : undefined;
  }

  /** The user's settings for every tree; returns them sanitised (each wrong key said once). */
  setEditorSettings(raw: unknown): ServerSettings {
    this.settings = raw;
    let out: ServerSettings | undefined;
    for (const ws of this.byRoot.values()) {
      const s = out ? ws.setEditorSettings(raw, () => {}) : ws.setEditorSettings(raw);
      out ??= s;
    }
    return out ?? sanitizeSettings(raw, this.log);
  }

  fileCount(): number {
    let n = 0;
    for (const ws of this.byRoot.values()) n += ws.fileCount();
    return n;
  }
}
