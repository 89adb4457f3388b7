// SPDX-License-Identifier: MIT
// Mail decoding before a patch is read: quoted-printable, base64, MIME
// attachments; anything that declares no encoding comes back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMail } from './mail';

const HEAD = 'From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\nFrom: A U Thor <a@example.com>\nSubject: [PATCH] net: x: rx\n';

test('a message without a transfer encoding comes back as it was, byte for byte', () => {
  const plain = `${HEAD}\n---\n x.c | 1 +\n\ndiff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,0 +1,1 @@\n+\tp = phys_to_virt(a); /* caf\u00e9 */\n-- \n2.39.5\n`;
  assert.equal(decodeMail(plain), plain);
  assert.equal(decodeMail(plain.replace(/\n/g, '\r\n')), plain.replace(/\n/g, '\r\n'));
  // A diff that adds a header-like line is no mail.
  const diff = 'diff --git a/m.c b/m.c\n--- a/m.c\n+++ b/m.c\n@@ -1,0 +1,1 @@\n+Content-Transfer-Encoding: base64\n';
  assert.equal(decodeMail(diff), diff);
});

test('property: text that declares no encoding is returned unchanged', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', '=', '\n', 'From ', ': ', '3D', ' ', '\r', '\u00e9') }), (s) => {
      fc.pre(!/^content-transfer-encoding:|^content-type:\s*multipart\//im.test(s));
      assert.equal(decodeMail(s), s);
    }),
    { numRuns: 500 },
  );
});

test('property: messages that declare 7bit or 8bit go through the decoder unchanged (mbox splitting included)', () => {
  const body = fc.string({ unit: fc.constantFrom('a', '=', '\n', 'From ', 'From x\n', ': ', '3D', ' ', '\u00e9', '--', 'X-H: v\n') });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('7bit', '8bit'), body), { minLength: 1, maxLength: 3 }), (msgs) => {
      const text = msgs.map(([cte, b]) => `${HEAD}Content-Transfer-Encoding: ${cte}\n\n${b}\n`).join('\n');
      assert.equal(decodeMail(text), text);
    }),
    { numRuns: 500 },
  );
});

test('quoted-printable: =XX bytes, soft line breaks, the charset', () => {
  const qp = `${HEAD}Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n+\tdata =3D phys_to_virt(phys_addr); /* caf=C3=A9, a long line that the ser=\nver wrapped */\n+\tx =3D 1;\n`;
  assert.equal(decodeMail(qp).split('\n\n')[1], '+\tdata = phys_to_virt(phys_addr); /* caf\u00e9, a long line that the server wrapped */\n+\tx = 1;\n');
  // A line wrapped after a space keeps the space (RFC 2045 §6.7; git mailinfo); padding after the '=' goes.
  const wrapped = `${HEAD}Content-Transfer-Encoding: quoted-printable\n\n static inline void =\ngreth_enable_tx(struct greth_regs *regs)=  \n\n`;
  assert.equal(decodeMail(wrapped).split('\n\n')[1], ' static inline void greth_enable_tx(struct greth_regs *regs)\n');
  const latin1 = `${HEAD}Content-Type: text/plain; charset="iso-8859-1"\nContent-Transfer-Encoding: quoted-printable\n\n/* caf=E9 */\n`;
  assert.equal(decodeMail(latin1).split('\n\n')[1], '/* caf\u00e9 */\n');
});

test('base64 text bodies are decoded; a header folded over two lines is read', () => {
  const body = '+\tput_page(virt_to_page(phys_to_virt(pa)));\n';
  const b64 = `${HEAD}Content-Type: text/plain;\n charset="utf-8"\nContent-Transfer-Encoding:\n base64\n\n${Buffer.from(body).toString('base64').replace(/(.{20})/g, '$1\n')}\n`;
  assert.equal(decodeMail(b64).split('\n\n')[1].replace(/\n+$/, '\n'), body);
});

test('MIME multipart: the text parts and a patch attachment, decoded in order; a binary attachment is left out', () => {
  const patch = 'diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,0 +1,1 @@\n+\tp = phys_to_virt(a);\n';
  const mail = [
    HEAD.trimEnd(),
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="XyZ"',
    '',
    'This is a multi-part message in MIME format.',
    '--XyZ',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    'Please review the attached patch.',
    '--XyZ',
    'Content-Type: text/x-patch; charset=UTF-8; name="0001-rx.patch"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="0001-rx.patch"',
    '',
    Buffer.from(patch).toString('base64'),
    '--XyZ',
    'Content-Type: application/octet-stream; name="fw.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from([0, 1, 2, 255]).toString('base64'),
    '--XyZ--',
    '',
  ].join('\n');
  const out = decodeMail(mail);
  assert.ok(out.includes('Please review the attached patch.'));
  assert.ok(out.includes(patch), out);
  assert.ok(!out.includes('\u0000'), 'the binary attachment is not decoded into the text');
});

test('an mbox of two messages: only the encoded one is decoded', () => {
  const one = `${HEAD}\n+\ta = b;\n`;
  const two = `${HEAD}Content-Transfer-Encoding: quoted-printable\n\n+\tc =3D d;\n`;
  assert.equal(decodeMail(`${one}\n${two}`), `${one}\n${HEAD}Content-Transfer-Encoding: quoted-printable\n\n+\tc = d;\n`);
});

test('property: a damaged message (any body under any of the encodings) is decoded leniently, never an exception', () => {
  const body = fc.string({ unit: fc.constantFrom('a', 'Zm9v', '=', '==', '=3D', '=\n', '\n', '--b', '--b--', 'Content-Type: text/plain\n', '\u00e9', ' ', '=Z') });
  const head = fc.constantFrom(
    'Content-Transfer-Encoding: base64\n',
    'Content-Transfer-Encoding: quoted-printable\n',
    'Content-Type: multipart/mixed; boundary=b\n',
    'Content-Type: multipart/mixed\n',
    'Content-Type: text/plain; charset=nonsense\nContent-Transfer-Encoding: base64\n',
  );
  fc.assert(
    fc.property(head, body, (h, b) => {
      assert.equal(typeof decodeMail(`${HEAD}${h}\n${b}\n`), 'string');
    }),
    { numRuns: 1000 },
  );
  // What used to throw: an `=` inside base64 text.
  assert.equal(decodeMail(`${HEAD}Content-Transfer-Encoding: base64\n\nZm9v=YmFy\n`).split('\n\n')[1], 'foobar');
});
