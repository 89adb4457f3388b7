// SPDX-License-Identifier: MIT
// A struct field given memory outside the linear map, read off one line of
// text: `q->va = dma_alloc_coherent(…`. A driver often allocates in a file
// that names no translation API (ocrdma_hw.c) and converts in one that does
// (ocrdma_verbs.c: `virt_to_phys(cq->va)`). A whole-tree scan does not parse
// such files: for the fields its analysed files convert directly but never
// assign (convertedUnassigned()), it reads the lines of the driver's other .c
// files that hold them (fieldAllocsOf()). The editor and patch mode read every
// file's lines (fieldAllocsInText()) — one line at a time, so all agree.
import { MMIO_READS, PASS_THROUGH, SINKS, SOURCES, STEPS, UNMAPS } from './api-tables';
import type { Source } from './model';

/** NULL, a zero (`0`, `0UL`, `0x00`) and ERR_PTR(): resets that say nothing about what a field holds. */
export const RESET = /^(?:NULL|0[xX]0+[uUlL]*|0+[uUlL]*|ERR_PTR\b.*)$/;

/** Kinds of memory a linear-map conversion gets wrong. */
const NOT_LINEAR = new Set<Source>(['coherent-va', 'vmalloc-va', 'ioremap-va']);

/** The allocators of SOURCES that give such memory. */
const FIELD_ALLOC_NAMES: string[] = Object.keys(SOURCES).filter((k) => NOT_LINEAR.has(SOURCES[k]));

const ANY_NAME = new RegExp(`\\b(?:${FIELD_ALLOC_NAMES.join('|')})\\b`);

/** One field assignment of such an allocation: 1-based line and column (of the assignment's start). */
export interface LineFieldAlloc {
  field: string;
  /** The variable or member the field is read through: `q` in `q->va`, `av_tbl` in `dev->av_tbl.va`. */
  base: string;
  /** The base is a variable (`q->va`, `ring[i].va`), not a member (`dev->av_tbl.va`). */
  variable: boolean;
  src: Source;
  line: number;
  column: number;
}

/**
 * `obj(->m)*->field = (cast) alloc(` (or `= (alloc(…))`) with subscripts anywhere in the object,
 * not after `.`/`->`/a word (then the object would be longer), not `==`. (`->field` without a
 * space, as kernel code writes it: fieldAllocsOf() finds such lines by that text.)
 */
const ASSIGN = /(?<![\w.>\]])([A-Za-z_]\w*(?:\s*\[[^\]]*\])*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*(?:\s*\[[^\]]*\])*)*)\s*(?:->|\.)([A-Za-z_]\w*)\s*=(?!=)\s*(?:\((?:[^()]|\([^()]*\))*\)\s*|\(\s*)*([A-Za-z_]\w*)\s*\(/g;

/** The allocations given to fields on one line (`line` is its 1-based number). A comment's text is no code. */
export function fieldAllocsInLine(text: string, line: number): LineFieldAlloc[] {
  if (!ANY_NAME.test(text)) return [];
  const out: LineFieldAlloc[] = [];
  for (const m of text.matchAll(ASSIGN)) {
    const src = SOURCES[m[3]];
    if (!src || !NOT_LINEAR.has(src)) continue;
    const before = text.slice(0, m.index);
    // (A line comment or a block comment's text: `/* q->va = dma_alloc_coherent(…) */`, ` * p->buf = vmalloc(…)`.)
    if (before.includes('//') || (before.includes('/*') && !before.slice(before.lastIndexOf('/*')).includes('*/')) || /^\s*\*/.test(before)) continue;
    const object = m[1].replace(/\s*\[[^\]]*\]/g, '');
    const parts = object.split(/\s*(?:->|\.)\s*/);
    out.push({ field: m[2], base: parts[parts.length - 1], variable: parts.length === 1, src, line, column: m.index + 1 });
  }
  return out;
}

/** Whether `text` at `i` (just after a field's name) goes on `[…] =`, not `==` or another character of a longer name. */
function assignedAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return false;
  const m = /^\s*(?:\[[^\]\n]*\]\s*)*=(?!=)/.exec(text.slice(i, i + 200));
  return m !== null;
}

/** Each `->field` or `.field` in the text: where it starts, and where the field's name ends. */
function* mentions(text: string, field: string): Generator<{ at: number; after: number }> {
  for (const op of ['->', '.']) {
    const needle = op + field;
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) yield { at: i, after: i + needle.length };
  }
}

/** fieldAllocsInLine() on the lines that begin at `starts` (ascending), numbered as the text numbers them. */
function allocsOnLines(text: string, starts: Iterable<number>, keep: (a: LineFieldAlloc) => boolean = () => true): LineFieldAlloc[] {
  const out: LineFieldAlloc[] = [];
  let line = 1;
  let counted = 0; // newlines are counted up to here
  for (const start of starts) {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) line++;
    counted = start;
    const end = text.indexOf('\n', start);
    for (const a of fieldAllocsInLine(text.slice(start, end < 0 ? text.length : end), line)) if (keep(a)) out.push(a);
  }
  return out;
}

/**
 * fieldAllocsInText() for some fields only: the lines holding `->field =` or
 * `.field =` are found by plain text search, and only they are read (a
 * whole-tree scan asks this of a driver's files for the few fields it wants).
 */
export function fieldAllocsOf(text: string, fields: ReadonlySet<string>): LineFieldAlloc[] {
  const starts = new Set<number>();
  for (const f of fields) for (const { at, after } of mentions(text, f)) if (assignedAt(text, after)) starts.add(text.lastIndexOf('\n', at) + 1);
  return starts.size ? allocsOnLines(text, [...starts].sort((a, b) => a - b), (a) => fields.has(a.field)) : [];
}

/** fieldAllocsInLine() over every line of a text that names an allocator. */
export function fieldAllocsInText(text: string): LineFieldAlloc[] {
  const starts: number[] = [];
  const names = new RegExp(ANY_NAME.source, 'g');
  for (let m = names.exec(text); m; m = names.exec(text)) {
    starts.push(text.lastIndexOf('\n', m.index) + 1);
    const end = text.indexOf('\n', m.index);
    names.lastIndex = end < 0 ? text.length : end; // the rest of this line is done
  }
  return allocsOnLines(text, starts);
}

/** A linear-map conversion of a field, as text: `virt_to_phys(cq->va)`, `virt_to_page(&q->ring[i])` (object m[1], field m[2]). */
const CONVERTED = /\b(?:virt_to_phys|__pa|virt_to_page|virt_to_head_page|virt_addr_valid|virt_to_bus|virt_to_pfn)\s*\(\s*(?:\([^()]*\)\s*)*&?\s*([A-Za-z_]\w*(?:\s*\[[^\]]*\])*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*(?:\s*\[[^\]]*\])*)*)\s*(?:->|\.)\s*([A-Za-z_]\w*)/g;

/** The base of an object text, as the parser names it: `dev->av_tbl` → av_tbl, `q[i]` → q. */
function baseOf(object: string): string {
  const parts = object.replace(/\s*\[[^\]]*\]/g, '').split(/\s*(?:->|\.)\s*/);
  return parts[parts.length - 1];
}

/**
 * The identifier that ends right before `i` past any subscripts: `q` in
 * `q[i]->va`, `av_tbl` in `dev->av_tbl.va`. A subscript is looked for within
 * its statement: a `]` whose `[` is not there gives no base (searching on to
 * the start of the text made a file of many such lines quadratic).
 */
function baseBefore(text: string, i: number): string {
  let j = i - 1;
  for (;;) {
    while (j >= 0 && /\s/.test(text[j])) j--;
    if (text[j] !== ']') break;
    let depth = 0;
    for (; j >= 0; j--) {
      const c = text[j];
      if (c === ']') depth++;
      else if (c === '[' && --depth === 0) break;
      else if (c === ';' || c === '{' || c === '}') return '';
    }
    j--;
  }
  const end = j + 1;
  while (j >= 0 && /\w/.test(text[j])) j--;
  return text.slice(j + 1, end);
}

/** `base.field`: how a field read through a base is named in wanted sets. */
export function fieldKey(base: string, field: string): string {
  return `${base}.${field}`;
}

/**
 * Fields that the texts convert through the linear map directly but never
 * assign through the same base (`virt_to_phys(cq->va)` without `cq->va =`;
 * a reset to NULL or 0 says nothing), as fieldKey()s: the driver's other
 * files may give them memory outside the linear map (ocrdma_hw.c allocates
 * what ocrdma_verbs.c converts), so a whole-tree scan reads those files'
 * lines for these only.
 */
export function convertedUnassigned(texts: readonly string[]): Set<string> {
  const wanted = new Map<string, [string, string]>();
  for (const t of texts) for (const m of t.matchAll(CONVERTED)) wanted.set(fieldKey(baseOf(m[1]), m[2]), [baseOf(m[1]), m[2]]);
  if (wanted.size === 0) return new Set();
  // Each `->field =` / `.field =` found by plain text search; its base read backwards (baseBefore()).
  const fields = new Set([...wanted.values()].map(([, f]) => f));
  for (const t of texts) {
    for (const f of fields) {
      for (const { at, after } of mentions(t, f)) {
        // (`->va = …`, as the analysis reads a field's assignments: not `->va[i] =`, and a RESET value says nothing.)
        const rest = /^\s*=(?!=)([^;]*)/.exec(t.slice(after, after + 200));
        if (!rest || RESET.test(rest[1].trim())) continue;
        wanted.delete(fieldKey(baseBefore(t, at), f));
      }
    }
  }
  return new Set(wanted.keys());
}

/**
 * Kernel functions that return pointers (accessors of driver data, lists,
 * per-CPU data, socket buffers; the page, slab and boot allocators): a
 * driver's folder never defines them, and looking for them would cost a
 * whole-tree scan a read of each other file of the driver.
 */
const KERNEL_ACCESSORS = /^(?:container_of|list_(?:first_|last_|next_|prev_)?entry(?:_or_null)?|(?:platform|dev|pci|spi|i2c|pci_host_bridge)_get_drvdata|dev_get_platdata|netdev_priv|pci_host_bridge_priv|irq_data_get_\w+|(?:this|per)_cpu_ptr|skb_frag_(?:address|page)|skb_put|skb_push|skb_pull|get_unaligned_\w+|kmemdup|kstrdup|memdup_user\w*|strndup_user|alloc_pages?|alloc_pages_exact|__get_free_pages?|mempool_alloc|kmem_cache_\w*alloc\w*|memblock_alloc\w*|gen_pool_\w+|page_pool_\w+|virtqueue_\w+|page_to_phys|bvec_kmap_local|kmap_local_\w+|min_t|max_t)$/;

/** Whether a call may be the driver's own allocation wrapper: no API the analysis knows, no macro, no kernel accessor. */
function mayWrap(name: string): boolean {
  return !(name in SOURCES || name in STEPS || name in SINKS || PASS_THROUGH.has(name) || MMIO_READS.has(name) || UNMAPS.has(name) || /^[A-Z0-9_]+$/.test(name) || KERNEL_ACCESSORS.test(name));
}

/** A linear-map conversion of a variable or a member as a whole: `virt_to_phys(dma_map->k_vaddr)`, `__pa(buf)` (its lvalue m[1]). */
const CONVERTS_LVALUE = /\b(?:virt_to_phys|__pa|virt_to_page|virt_to_head_page|virt_addr_valid|virt_to_bus|virt_to_pfn)\s*\(\s*(?:\([^()]*\)\s*)*([A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*\)/g;

/**
 * Calls whose result the text converts through the linear map: `name` in
 * `x = (void *)name(…)` and `virt_to_phys(x)` (x a variable or a member),
 * for names that may be the driver's own (mayWrap()). Such a call
 * may be the driver's allocation wrapper, defined in a file that is not
 * analysed (genwqe's __genwqe_alloc_consistent() in card_utils.c).
 */
export function wrappedCalls(text: string): Set<string> {
  const out = new Set<string>();
  const lvalues = new Set<string>();
  for (const m of text.matchAll(CONVERTS_LVALUE)) lvalues.add(m[1].replace(/\s+/g, ''));
  // Each lvalue's assignments, found by its last name and read around it: one regular expression
  // compiled per lvalue cost a cold scan's workers about 0.1 s of regex compiling.
  for (const l of lvalues) {
    const last = l.slice(Math.max(l.lastIndexOf('>'), l.lastIndexOf('.')) + 1);
    for (let i = text.indexOf(last); i >= 0; i = text.indexOf(last, i + last.length)) {
      const end = i + last.length;
      if (WORD.test(text[end] ?? '') || (i > 0 && WORD.test(text[i - 1]) && last === l)) continue;
      ASSIGNED_CALL.lastIndex = end;
      const m = ASSIGNED_CALL.exec(text);
      if (!m || !mayWrap(m[1])) continue;
      // (The object before it, spaces around `->` and `.` aside: `dma_map -> k_vaddr`; not `x.buf` for `buf`.)
      const before = text.slice(Math.max(0, i - 256), end).replace(/\s*(->|\.)\s*/g, '$1');
      if (before.endsWith(l) && !/[\w.>]/.test(before[before.length - l.length - 1] ?? '')) out.add(m[1]);
    }
  }
  return out;
}

const WORD = /\w/;
/** After an lvalue: `= (casts) name(` (not `==`), at lastIndex. */
const ASSIGNED_CALL = /\s*=(?!=)\s*(?:\([^()]*\)\s*)*([A-Za-z_]\w*)\s*\(/y;
