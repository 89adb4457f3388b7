// Number formatting shared by the JSON contract and the text renderer.

export const MASK64 = (1n << 64n) - 1n;
export const MASK32 = (1n << 32n) - 1n;

/** JSON form: lowercase "0x…", no padding, no separators. */
export function hex(v: bigint | number): string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b < 0n ? '-0x' + (-b).toString(16) : '0x' + b.toString(16);
}

/** Text form for people: groups of four hex digits (0x9_1230_0780). */
export function hexGrouped(v: bigint | number): string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < 0n) return '-' + hexGrouped(-b);
  const s = b.toString(16);
  let out = '';
  for (let i = s.length; i > 0; i -= 4) out = s.slice(Math.max(0, i - 4), i) + (out ? '_' + out : '');
  return '0x' + out;
}

/** Parses 0x…, decimal, with optional _ separators, optional sign and K/M/G/T suffix. */
export function parseNumber(text: string): bigint | null {
  let s = text.trim().toLowerCase().replace(/_/g, '');
  let neg = false;
  if (s.startsWith('-')) { neg = true; s = s.slice(1); }
  let mul = 1n;
  const suf = s.slice(-1);
  if (!s.startsWith('0x')) {
    if (suf === 'k') mul = 1n << 10n; else if (suf === 'm') mul = 1n << 20n;
    else if (suf === 'g') mul = 1n << 30n; else if (suf === 't') mul = 1n << 40n;
    if (mul !== 1n) s = s.slice(0, -1);
  }
  if (!/^(0x[0-9a-f]+|[0-9]+)$/.test(s)) return null;
  const v = BigInt(s) * mul;
  return neg ? -v : v;
}

export const u64 = (v: bigint): bigint => v & MASK64;
export const u32 = (v: bigint): bigint => v & MASK32;
