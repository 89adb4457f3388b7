// SPDX-License-Identifier: MIT
// What a function's own text declares, read by a lexer: which names are
// `dma_addr_t` scalars and which are pointers to which struct. Struct field
// facts are gathered where no tree may exist (skimmed bodies) and across a
// whole driver, so `last->next = dma_addr;` needs both without a parse: the
// value is a DMA address by its declared type, and the field is
// `struct udc_data_dma`'s `next`, whichever variable it is later read through.

export interface Declared {
  /** Names declared `dma_addr_t` (not pointers to one). */
  dma: Set<string>;
  /** Name → struct tag, for `struct T *name`, `struct T name` (a name declared with two tags is left out). */
  structs: Map<string, string>;
}

const DMA_DECL = /\bdma_addr_t\s+/g;
const STRUCT_DECL = /\bstruct\s+([A-Za-z_]\w*)\s+(?=[*A-Za-z_])/g;

/** The declarations in `text` (a function's parameters and body). */
export function declaredIn(text: string): Declared {
  const dma = new Set<string>();
  const structs = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const m of text.matchAll(DMA_DECL)) {
    for (const d of declarators(text, m.index + m[0].length)) {
      const x = /^([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?:=[\s\S]*)?$/.exec(d);
      if (x) dma.add(x[1]);
    }
  }
  for (const m of text.matchAll(STRUCT_DECL)) {
    for (const d of declarators(text, m.index + m[0].length)) {
      const x = /^(?:\*\s*(?:const\s+)?)*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?:=[\s\S]*)?$/.exec(d);
      if (!x || ambiguous.has(x[1])) continue;
      const had = structs.get(x[1]);
      if (had !== undefined && had !== m[1]) {
        structs.delete(x[1]);
        ambiguous.add(x[1]);
      } else structs.set(x[1], m[1]);
    }
  }
  return { dma, structs };
}

/**
 * The comma-separated declarators from `from` to the end of the declaration
 * (a `;`, `{` or `}`, or the `)` closing a parameter list), trimmed. Commas
 * inside parentheses or brackets belong to an initializer or a size.
 */
function declarators(text: string, from: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = from;
  // (A declaration longer than this is generated data, not a local.)
  const stop = Math.min(text.length, from + 4096);
  let i = from;
  for (; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 /* ( */ || c === 91 /* [ */) depth++;
    else if (c === 41 /* ) */ || c === 93 /* ] */) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0) {
      if (c === 59 /* ; */ || c === 123 /* { */ || c === 125 /* } */) break;
      if (c === 44 /* , */) {
        out.push(text.slice(start, i).trim());
        start = i + 1;
      }
    }
  }
  const last = text.slice(start, i).trim();
  if (last) out.push(last);
  return out;
}
