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

/** All function definitions in the tree (also nested under preprocessor blocks). */
export function findFunctions(root: Node): FnInfo[] {
  const out: FnInfo[] = [];
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'function_definition') {
      const fdecl = functionDeclarator(n.childForFieldName('declarator'));
      const body = n.childForFieldName('body');
      const name = fdecl ? declaratorName(fdecl.childForFieldName('declarator')) : null;
      if (fdecl && body && name) {
        out.push({ name, body, params: paramsOf(fdecl), isMacro: false, start: n.startIndex, end: n.endIndex });
      }
      continue;
    }
    // Only top-level containers can hold definitions; skipping expressions keeps this cheap.
    if (n.type === 'translation_unit' || n.type.startsWith('preproc_') || n.type === 'linkage_specification' || n.type === 'declaration_list' || n.type === 'ERROR') {
      for (let i = n.namedChildCount - 1; i >= 0; i--) {
        const c = n.namedChild(i);
        if (c) stack.push(c);
      }
    }
  }
  return out.sort((a, b) => a.start - b.start);
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
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'preproc_function_def') {
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
      continue;
    }
    if (n.type === 'translation_unit' || n.type.startsWith('preproc_') || n.type === 'ERROR' || n.type === 'declaration_list') {
      for (let i = n.namedChildCount - 1; i >= 0; i--) {
        const c = n.namedChild(i);
        if (c) stack.push(c);
      }
    }
  }
  return out;
}

/** Synthetic C for a macro body, so the evaluator can walk it like a function. */
export function macroSource(m: MacroText): { text: string; prefix: string } {
  const trimmed = m.body.trim();
  const stmt = trimmed.startsWith('do') || trimmed.startsWith('{') || trimmed.endsWith(';');
  const prefix = stmt ? 'void __iova_lens_macro(void) { ' : 'long __iova_lens_macro(void) { return ';
  return { text: `${prefix}${m.body}${stmt ? '\n;}' : '\n;}'}`, prefix };
}
