// SPDX-License-Identifier: MIT
// Whole-tree scans parse only what can matter. Most of a candidate driver
// file is functions that name no translation API and call no function that
// does; their bodies are blanked (spaces, newlines kept, so every position
// stays where it was) before tree-sitter sees the file — parsing cost is
// mostly proportional to tokens. What those bodies would have told the
// analysis — assignments to struct fields — is collected here by a lexer.
// The editor never skims: it parses everything.

export interface SkimmedField {
  field: string;
  base: string;
  callee: string | null;
  rhs: string;
  index: number;
}

export interface Skim {
  text: string;
  fields: SkimmedField[];
}

interface Body {
  /** Offset of `{` and of the matching `}`. */
  open: number;
  close: number;
  name: string | null;
  /** The body holds a preprocessor line: braces may not balance per branch; never blanked. */
  directive: boolean;
}

/** Top-level function bodies: `{` at depth 0 right after a `)`, closed at depth 0. */
export function functionBodies(text: string): Body[] {
  const out: Body[] = [];
  let depth = 0;
  let lastSig = -1; // offset of the last significant character at depth 0
  let open = -1;
  let directive = false;
  const n = text.length;
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (lineStart && c === 35 /* # */) {
      // A preprocessor line (with continuations).
      if (depth > 0) directive = true;
      while (i < n && !(text.charCodeAt(i) === 10 && text.charCodeAt(i - 1) !== 92)) i++;
      continue;
    }
    lineStart = false;
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === 34 || c === 39) {
      i++;
      while (i < n && text.charCodeAt(i) !== c && text.charCodeAt(i) !== 10) i += text.charCodeAt(i) === 92 ? 2 : 1;
      i++;
      if (depth === 0) lastSig = i - 1;
      continue;
    }
    if (c === 123 /* { */) {
      if (depth === 0) {
        open = lastSig >= 0 && text.charCodeAt(lastSig) === 41 /* ) */ ? i : -1;
        directive = false;
      }
      depth++;
    } else if (c === 125 /* } */) {
      if (depth > 0) depth--;
      if (depth === 0 && open >= 0) {
        out.push({ open, close: i, name: nameBefore(text, open), directive });
        open = -1;
      }
    }
    if (depth === 0) lastSig = i;
    i++;
  }
  return out;
}

/** The function's name: the identifier before the `(` matching the last `)` before the body. */
function nameBefore(text: string, open: number): string | null {
  let i = open - 1;
  while (i >= 0 && text[i] !== ')') i--;
  let d = 0;
  for (; i >= 0; i--) {
    if (text[i] === ')') d++;
    else if (text[i] === '(') {
      d--;
      if (d === 0) break;
    }
  }
  const m = /([A-Za-z_]\w*)\s*$/.exec(text.slice(Math.max(0, i - 200), i));
  return m ? m[1] : null;
}

const FIELD_ASSIGN = /\b([A-Za-z_]\w*)\s*(?:\[[^\]\n]*\]\s*)?(?:->|\.)\s*([A-Za-z_]\w*)\s*(?:[-+*/|&^%]|<<|>>)?=(?!=)\s*([^;]*);/g;

/**
 * Blanks the bodies of functions for which `keep(name, body)` is false.
 * Returns the new text (same length) and the field assignments seen in the
 * blanked bodies.
 */
export function skim(text: string, keep: (name: string | null, body: string) => boolean): Skim {
  const parts: string[] = [];
  const fields: SkimmedField[] = [];
  let at = 0;
  for (const b of functionBodies(text)) {
    if (b.directive) continue;
    const body = text.slice(b.open + 1, b.close);
    if (keep(b.name, body)) continue;
    for (const m of body.matchAll(FIELD_ASSIGN)) {
      const rhs = m[3].trim();
      const bare = rhs.replace(/^\((?:[^()]|\([^()]*\))*\)\s*/, '');
      fields.push({ base: m[1], field: m[2], rhs, callee: /^([A-Za-z_]\w*)\s*\(/.exec(bare)?.[1] ?? null, index: b.open + 1 + (m.index ?? 0) });
    }
    parts.push(text.slice(at, b.open + 1), body.replace(/[^\n]/g, ' '));
    at = b.close;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), fields };
}
