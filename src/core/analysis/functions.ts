// SPDX-License-Identifier: MIT
// Finds the functions and function-like macros of a file. Both sides of every
// #if are walked (tree-sitter keeps them), so a helper defined under
// CONFIG_IOMMU_API is seen as well as its stub.
import type { Node } from 'web-tree-sitter';

export interface Param {
  name: string;
  /** The declared type as written, e.g. "dma_addr_t" or "struct nicvf *". */
  type: string;
}

export interface FnInfo {
  name: string;
  /** function_definition's body (compound_statement), or the macro's parsed body. */
  body: Node;
  params: Param[];
  isMacro: boolean;
  /** Maps a position inside `body` to the file (macros are parsed from their text). */
  mapRow?: (row: number, column: number) => { row: number; column: number };
  /** Start offset of the definition in the file (for ordering and enclosing lookups). */
  start: number;
  end: number;
}

export function declaratorName(node: Node | null): string | null {
  let n: Node | null = node;
  while (n) {
    if (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'type_identifier') return n.text;
    n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c?.type === 'identifier') ?? null;
  }
  return null;
}

function functionDeclarator(node: Node | null): Node | null {
  let n: Node | null = node;
  while (n) {
    if (n.type === 'function_declarator') return n;
    n = n.childForFieldName('declarator');
  }
  return null;
}

export function paramsOf(fdecl: Node): Param[] {
  const list = fdecl.childForFieldName('parameters');
  if (!list) return [];
  const out: Param[] = [];
  for (const p of list.namedChildren) {
    if (!p || p.type !== 'parameter_declaration') continue;
    const type = p.childForFieldName('type')?.text ?? '';
    const decl = p.childForFieldName('declarator');
    const ptr = decl?.type === 'pointer_declarator' ? ' *' : '';
    out.push({ name: declaratorName(decl) ?? '', type: type + ptr });
  }
  return out;
}

/**
 * Visits, in document order, the nodes whose type `want` accepts, looking
 * only inside containers (`descend`) — never into expressions. A tree cursor
 * reads each child's type without building a Node object for it: a broken
 * file can leave ERROR nodes of 100k children, and marshalling every one of
 * them (or namedChild(i), which walks from the first child each time) costs
 * seconds.
 */
function eachInContainers(root: Node, want: (type: string) => boolean, descend: (type: string) => boolean, visit: (n: Node) => void): void {
  if (want(root.type)) {
    visit(root);
    return;
  }
  if (!descend(root.type)) return;
  const c = root.walk();
  try {
    if (!c.gotoFirstChild()) return;
    for (;;) {
      const t = c.nodeType;
      if (want(t)) visit(c.currentNode);
      else if (descend(t) && c.gotoFirstChild()) continue;
      while (!c.gotoNextSibling()) if (!c.gotoParent()) return;
    }
  } finally {
    c.delete();
  }
}

/** All function definitions in the tree (also nested under preprocessor blocks). */
export function findFunctions(root: Node): FnInfo[] {
  const out: FnInfo[] = [];
  // Only top-level containers can hold definitions; skipping expressions keeps this cheap.
  const container = (t: string) => t === 'translation_unit' || t.startsWith('preproc_') || t === 'linkage_specification' || t === 'declaration_list' || t === 'ERROR';
  eachInContainers(root, (t) => t === 'function_definition', container, (n) => {
    const fdecl = functionDeclarator(n.childForFieldName('declarator'));
    const body = n.childForFieldName('body');
    const name = fdecl ? declaratorName(fdecl.childForFieldName('declarator')) : null;
    if (fdecl && body && name) {
      // (Read when the function is evaluated: most of a big file's functions never are, and each
      // parameter costs several calls into the parser — a tenth of an edit's time in a 10k-line file.)
      let params: Param[] | undefined;
      out.push({ name, body, get params() { return (params ??= paramsOf(fdecl)); }, isMacro: false, start: n.startIndex, end: n.endIndex });
    }
  });
  const open = unclosedAtEnd(root);
  if (open) out.push(open);
  return out.sort((a, b) => a.start - b.start);
}

/**
 * A function still being typed at the end of the file (its closing braces
 * not written yet): tree-sitter gives no function_definition but an ERROR
 * node of its declarator and statements. Analysed as a function whose body
 * is that node, so the editor shows findings in it while it is written.
 */
function unclosedAtEnd(root: Node): FnInfo | null {
  const last = root.lastNamedChild;
  if (!last || last.type !== 'ERROR' || last.namedChildCount > 10_000) return null;
  const fdecl = last.namedChildren.find((c) => c?.type === 'function_declarator' || c?.type === 'pointer_declarator');
  const f = fdecl ? functionDeclarator(fdecl) : null;
  const name = f ? declaratorName(f.childForFieldName('declarator')) : null;
  if (!f || !name || !last.text.includes('{')) return null;
  return { name, body: last, params: paramsOf(f), isMacro: false, start: last.startIndex, end: last.endIndex };
}

export interface MacroText {
  name: string;
  params: string[];
  /** The macro body with line continuations blanked (same length, same rows). */
  body: string;
  row: number;
  column: number;
  start: number;
  end: number;
}

export function findMacros(root: Node): MacroText[] {
  const out: MacroText[] = [];
  const container = (t: string) => t === 'translation_unit' || t.startsWith('preproc_') || t === 'ERROR' || t === 'declaration_list';
  eachInContainers(root, (t) => t === 'preproc_function_def', container, (n) => {
    const name = n.childForFieldName('name')?.text;
    const value = n.childForFieldName('value');
    const params = n.childForFieldName('parameters')?.namedChildren.map((c) => c?.text ?? '') ?? [];
    if (name && value) {
      out.push({
        name,
        params,
        body: value.text.replace(/\\(\r?\n)/g, ' $1'),
        row: value.startPosition.row,
        column: value.startPosition.column,
        start: n.startIndex,
        end: n.endIndex,
      });
    }
  });
  return out;
}

/** Synthetic C for a macro body, so the evaluator can walk it like a function. */
export function macroSource(m: MacroText): { text: string; prefix: string } {
  const trimmed = m.body.trim();
  const stmt = trimmed.startsWith('do') || trimmed.startsWith('{') || trimmed.endsWith(';');
  const prefix = stmt ? 'void __iova_lens_macro(void) { ' : 'long __iova_lens_macro(void) { return ';
  return { text: `${prefix}${m.body}${stmt ? '\n;}' : '\n;}'}`, prefix };
}
