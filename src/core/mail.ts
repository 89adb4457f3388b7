// SPDX-License-Identifier: MIT
// Patches as they come out of a mailbox. A reviewer pipes a message from mutt
// (`|iova-lens patch -`, raw by default) or saves it as .eml/.mbox; mail
// servers re-encode many of them: quoted-printable (`x =3D phys_to_virt(…)`,
// lines wrapped with a trailing `=`) or base64, and some mailers attach the
// patch as a MIME part. `git am` decodes all of that; so does this, before
// the diff is read. A message that declares none of these encodings is left
// exactly as it is (the same text comes back).

interface Part {
  headers: Map<string, string>;
  body: string[];
}

/** Unfolded headers (lower-case names) of the lines before the first empty one, and where the body starts. */
function readHeaders(lines: string[], start: number): { headers: Map<string, string>; bodyAt: number } | undefined {
  const headers = new Map<string, string>();
  let last: string | undefined;
  let i = start;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const l = lines[i];
    if ((l[0] === ' ' || l[0] === '\t') && last) {
      headers.set(last, `${headers.get(last)} ${l.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):[ \t]*(.*)$/.exec(l);
    if (!m) return undefined;
    last = m[1].toLowerCase();
    headers.set(last, m[2]);
  }
  return headers.size ? { headers, bodyAt: i + 1 } : undefined;
}

function param(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function bytesToText(bytes: Uint8Array, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  let label = 'utf-8';
  if (/^(?:iso-8859-1|latin1|us-ascii|windows-1252|cp1252)$/.test(cs)) label = 'windows-1252';
  return new TextDecoder(label, { fatal: false }).decode(bytes);
}

const UTF8 = new TextEncoder();

function decodeQuotedPrintable(body: string): Uint8Array {
  // Soft line breaks (a trailing `=`, transport padding after it aside) join lines — the text before
  // the `=`, spaces included, is the line's (RFC 2045 §6.7: `static inline void =` / `greth_…`); `=XX` is a byte.
  const joined = body.replace(/=[ \t]*\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 61 /* = */ && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      out.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else for (const b of UTF8.encode(joined[i])) out.push(b);
  }
  return Uint8Array.from(out);
}

function decodeBase64(body: string): Uint8Array {
  // Leniently, as mail readers do: anything outside the alphabet (line breaks, a stray or early `=`) is
  // skipped and a dangling character dropped, so atob() never throws on a damaged message.
  let clean = body.replace(/[^A-Za-z0-9+/]/g, '');
  if (clean.length % 4 === 1) clean = clean.slice(0, -1);
  const bin = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** The body of one part, decoded per its Content-Transfer-Encoding; undefined when it declares none to undo. */
function decodedBody(p: Part): string | undefined {
  const cte = (p.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const type = p.headers.get('content-type') ?? 'text/plain';
  const boundary = /^\s*multipart\//i.test(type) ? param(type, 'boundary') : undefined;
  if (boundary) return decodeMultipart(p.body, boundary);
  const body = p.body.join('\n');
  if (cte === 'quoted-printable') return bytesToText(decodeQuotedPrintable(body), param(type, 'charset'));
  if (cte === 'base64') {
    // Only text: a binary attachment (firmware, an image) is not part of a diff to read.
    if (!/^\s*(?:text\/|application\/(?:x-)?(?:patch|diff))/i.test(type)) return '';
    return bytesToText(decodeBase64(body), param(type, 'charset'));
  }
  return undefined;
}

/** The text parts of a MIME multipart body, each decoded, one after the other. */
function decodeMultipart(body: string[], boundary: string): string {
  const out: string[] = [];
  let i = body.findIndex((l) => l.startsWith(`--${boundary}`));
  while (i >= 0 && i < body.length && !body[i].startsWith(`--${boundary}--`)) {
    const h = readHeaders(body, i + 1) ?? { headers: new Map<string, string>(), bodyAt: i + 2 };
    let end = h.bodyAt;
    while (end < body.length && !body[end].startsWith(`--${boundary}`)) end++;
    const part: Part = { headers: h.headers, body: body.slice(h.bodyAt, end) };
    const type = part.headers.get('content-type') ?? 'text/plain';
    if (/^\s*(?:text\/|multipart\/|application\/(?:x-)?(?:patch|diff))/i.test(type)) out.push(decodedBody(part) ?? part.body.join('\n'));
    i = end;
  }
  return out.join('\n');
}

/** The mbox's messages ("From " separator lines) or the one message, with each encoded body decoded. */
export function decodeMail(text: string): string {
  if (!/^content-transfer-encoding:|^content-type:\s*multipart\//im.test(text)) return text;
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    // A message starts at an mbox "From " line, or is the whole input when it starts with headers.
    const sep = /^From /.test(lines[i]);
    const h = readHeaders(lines, sep ? i + 1 : i);
    if (!h || (!sep && i > 0)) {
      out.push(lines[i++]);
      continue;
    }
    let end = h.bodyAt;
    while (end < lines.length && !(/^From /.test(lines[end]) && lines[end - 1] === '' && readHeaders(lines, end + 1))) end++;
    const decoded = decodedBody({ headers: h.headers, body: lines.slice(h.bodyAt, end) });
    out.push(...lines.slice(i, h.bodyAt));
    if (decoded === undefined) out.push(...lines.slice(h.bodyAt, end));
    else out.push(...decoded.split(/\r?\n/));
    i = end;
  }
  return out.join('\n');
}
