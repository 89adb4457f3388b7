// SPDX-License-Identifier: MIT
// Calls seen as text (`name(`), before or without a parse: what a body calls,
// and one regular expression for calls to any of a set of names (a literal
// alternation, which V8 scans fast). Used to decide what to parse (keep.ts),
// which functions a summary change touches (project.ts) and which files call
// a driver's translating helpers (engine.ts).

/** The names a piece of C text calls, each once. */
export function calledNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) out.add(m[1]);
  return out;
}

const escape = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `\b(?:a|b|…)\s*\(`: a call to any of `names`. */
export function callsTo(names: Iterable<string>): RegExp {
  return new RegExp(`\\b(?:${[...names].map(escape).join('|')})\\s*\\(`);
}

/**
 * Any of `names` anywhere (no boundaries, no call): what text must hold for
 * callsTo(names) to match it, cheap to test on raw bytes read as latin1 (the
 * names are ASCII, so their bytes are there whatever the decoding).
 */
export function namesIn(names: Iterable<string>): RegExp {
  return new RegExp([...names].map(escape).join('|'));
}
