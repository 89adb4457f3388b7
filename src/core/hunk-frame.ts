// SPDX-License-Identifier: MIT
// A patch read without its tree gives the checker the hunks alone, and most
// hunks start inside a function: their three lines of context are
// statements, not the signature. Seen at file scope, those statements are
// no function, and nothing in them was analysed. git names the function in
// the hunk header (`@@ -10,6 +10,7 @@ static void acme_rx(struct acme *p,
// dma_addr_t a)`; the kernel's .gitattributes asks for diff=cpp on *.c and
// *.h), so the hunk can be read as the body it came from: the header's
// signature and `{` on the unknown line before the hunk, the matching `}` on
// the one after. The frame only ever sits on lines no hunk holds, so no
// finding is reported on it (only added lines are).

/** A signature's start, `static struct sk_buff *nicvf_rb_ptr_to_skb(struct nicvf *nic,` (group 1 the name: one that opens a statement is no function). */
const SIGNATURE = /^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)[ \t]*\(([^;{}]*)$/;
const MAX_SECTION = 512;
const NOT_A_FUNCTION = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'typeof', '__typeof__', 'defined']);

/**
 * The hunk header's text as a complete function signature, or undefined when
 * it is none (a struct, a macro, a statement). git cuts the line at 80
 * bytes and a kernel signature often goes on over several lines: what is
 * cut is left out (a trailing comma, a half-written parameter's remains are
 * kept as they are) and the parentheses are closed.
 */
export function signatureOf(section: string): string | undefined {
  // (git writes at most 80 bytes there; a hand-made header may be any length.)
  const s = section.trim().slice(0, MAX_SECTION);
  const m = SIGNATURE.exec(s);
  if (!m || NOT_A_FUNCTION.has(m[1])) return undefined;
  let sig = s.replace(/[\s,]+$/, '');
  let depth = 0;
  for (const c of sig) {
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
  }
  // (A cut after `(` or inside a nested declarator closes each level.)
  sig += ')'.repeat(depth);
  return sig;
}

/**
 * Braces opened and closed line by line, outside comments, strings and
 * character literals, relative to the first line's start: the depth after
 * each line, and the lowest it went within it (`} else {` goes down first).
 */
function depths(lines: readonly string[]): { after: number[]; low: number[] } {
  const after: number[] = [];
  const low: number[] = [];
  let depth = 0;
  let comment = false;
  for (const line of lines) {
    let min = depth;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (comment) {
        if (c === '*' && line[i + 1] === '/') {
          comment = false;
          i++;
        }
        continue;
      }
      if (c === '/' && line[i + 1] === '*') {
        comment = true;
        i++;
      } else if (c === '/' && line[i + 1] === '/') break;
      else if (c === '"' || c === "'") {
        // (To the closing quote on this line; an escape skips the next character.)
        for (i++; i < line.length && line[i] !== c; i++) if (line[i] === '\\') i++;
      } else if (c === '{') depth++;
      else if (c === '}') min = Math.min(min, --depth);
    }
    after.push(depth);
    low.push(min);
  }
  return { after, low };
}

/**
 * A line at file scope: not blank, not indented, not a preprocessor line, not
 * a label — or a block comment's ` * ` line indented by one space, which is a
 * kernel-doc comment above a function (inside a body they are indented with
 * tabs).
 */
function startsAtColumn0(line: string): boolean {
  if (/^ \*/.test(line)) return true;
  return line.length > 0 && !/^[\s#]/.test(line) && !/^[A-Za-z_]\w*:\s*(?:\/[/*].*)?$/.test(line);
}

/**
 * The frame for a hunk whose post-image is `lines` and whose header says
 * `section`: the line to put before it (the signature and enough `{` that
 * the hunk's own closing braces balance) and the line after it (the `}`
 * still open at its end, '' when the hunk closes the function itself).
 * Undefined when the hunk does not start inside a function, or the header
 * names none.
 */
export function frameFor(lines: readonly string[], section: string | undefined): Frame | undefined {
  if (!section) return undefined;
  const sig = signatureOf(section);
  if (!sig) return undefined;
  // The hunk starts inside a body (its first line of code is indented), or at the body's `{` (its
  // signature went on over lines above the hunk, which the header's line begins).
  const at = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (at < 0) return undefined;
  const opensBody = /^\{\s*$/.test(lines[at]);
  if (!opensBody && startsAtColumn0(lines[at])) return undefined;
  const d = depths(lines);
  // Where the function ends in the hunk (a `}` at column 0), or the hunk's end.
  const end = lines.findIndex((l) => l.startsWith('}'));
  const upTo = end < 0 ? lines.length : end;
  // Top-level code before that end is another function's: the hunk is no body of this one.
  if (lines.slice(opensBody ? at + 1 : 0, upTo).some(startsAtColumn0)) return undefined;
  // As many `{` as the hunk closes before the function's end (it may start blocks deep: a hunk
  // that closes an if, then its function), the function's own included — unless the hunk opens it.
  let low = 0;
  for (let i = 0; i < upTo; i++) low = Math.min(low, d.low[i]);
  const opens = (opensBody ? 0 : 1) - low;
  // What is still open at the hunk's end is closed after it.
  const left = Math.max(0, opens + d.after[lines.length - 1]);
  return { open: opens ? `${sig} ${'{'.repeat(opens)}` : sig, close: '}'.repeat(left), opens: opensBody ? undefined : opens, left: end < 0 ? left : 0 };
}

/**
 * A hunk's frame: `open` goes on the line before it, `close` on the line
 * after. `opens`: the braces `open` opens inside the function (undefined when
 * the hunk opens the body itself); `left`: the braces of this function still
 * open at the hunk's end (0 when the hunk ends the function).
 */
export interface Frame {
  open: string;
  close: string;
  opens?: number;
  left: number;
}

/**
 * Consecutive hunks of one function (the same header, the first one not
 * ending it, the next one inside it) are one body: what lies between them is
 * unknown, so the first one's `}` and the next one's signature give way to
 * the braces that take the depth the first left to the one the next needs —
 * a local assigned in one hunk and used in the next keeps its value. Returns
 * the text for the unknown line before the next hunk, or undefined when the
 * two are not one body.
 */
export function joinFrames(prev: Frame, prevSection: string | undefined, next: Frame, nextSection: string | undefined): string | undefined {
  if (prevSection === undefined || prevSection !== nextSection || prev.left === 0 || next.opens === undefined) return undefined;
  const diff = next.opens - prev.left;
  return diff > 0 ? '{'.repeat(diff) : '}'.repeat(-diff);
}
