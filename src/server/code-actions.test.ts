// SPDX-License-Identifier: MIT
// The code actions as an editor gets them: which fix, on which call, and where a suppression goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, TextEdit } from 'vscode-languageserver/node';
import { codeActionsFor } from './code-actions';
import { check } from '../core/testing/check';

function diag(line: number, character: number, rule: string | undefined): Diagnostic {
  return { range: { start: { line, character }, end: { line, character: character + 5 } }, source: 'iova-lens', message: 'm', code: rule, data: rule ? { rule, concerns: ['c'], chain: ['dma-handle', 'phys-to-virt'], function: 'f' } : undefined };
}

test('the pfn_to_page(PHYS_PFN()) fix rewrites the call the diagnostic is on, not the first on its line', () => {
  const text = 'void f(void)\n{\n\tput_page(virt_to_page(phys_to_virt(pb))); put_page(virt_to_page(phys_to_virt(pa)));\n}\n';
  const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
  const second = text.split('\n')[2].lastIndexOf('phys_to_virt');
  const fix = codeActionsFor(doc, [diag(2, second, 'linear-map-assumption')]).find((a) => a.isPreferred)!;
  assert.equal(fix.title, 'Replace with pfn_to_page(PHYS_PFN(pa))');
  const edit = fix.edit!.changes!['file:///w/a.c'][0] as TextEdit;
  assert.equal(TextDocument.applyEdits(doc, [edit]).split('\n')[2], '\tput_page(virt_to_page(phys_to_virt(pb))); put_page(pfn_to_page(PHYS_PFN(pa)));');
});

test('suppress: a line of its own above, except inside a #define (a comment line would end the macro) — there at the end, before the backslash', () => {
  const text = '#define RX_PAGE(dom, d) \\\n\tvirt_to_page(phys_to_virt(iommu_iova_to_phys(dom, d))) \\\n\t/* more */\nvoid g(void)\n{\n\tx = phys_to_virt(y);\n}\n';
  const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
  const args = (line: number) => codeActionsFor(doc, [diag(line, 1, 'dma-addr-as-phys')]).find((a) => a.title.startsWith('Suppress'))!.command!.arguments;
  assert.deepEqual(args(1), ['file:///w/a.c', 1, 'dma-addr-as-phys', '\t', text.split('\n')[1].lastIndexOf(' \\')]);
  assert.deepEqual(args(2), ['file:///w/a.c', 2, 'dma-addr-as-phys', '\t', '\t/* more */'.length], 'the macro\'s last line: at its end');
  assert.deepEqual(args(5), ['file:///w/a.c', 5, 'dma-addr-as-phys', '\t']);
});

test('in a .patch document: no suppression (a comment line there is no + line and breaks the patch); a note without a rule gets no action', () => {
  const doc = TextDocument.create('file:///w/x.patch', 'diff', 1, '--- a/a.c\n+++ b/a.c\n@@ -1,1 +1,2 @@\n x\n+\ty = phys_to_virt(h);\n');
  const titles = codeActionsFor(doc, [diag(4, 7, 'dma-addr-as-phys'), diag(0, 0, undefined)]).map((a) => a.title);
  assert.deepEqual(titles, ['Show documentation for dma-addr-as-phys', 'Replay in emulator']);
});

test('a client without the iovaLens.* commands (Neovim, eglot): Suppress is an edit with a reason to write, in the file\'s line endings; no command actions', () => {
  const text = 'void g(void)\r\n{\r\n\tx = phys_to_virt(y);\r\n}\r\n#define P(d) \\\r\n\tphys_to_virt(d)\r\n';
  const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
  const plain = (line: number) => codeActionsFor(doc, [diag(line, 5, 'dma-addr-as-phys')], false);
  const actions = plain(2);
  assert.deepEqual(actions.map((a) => a.title), ['Suppress dma-addr-as-phys on this line (then write the reason)']);
  assert.equal(actions[0].command, undefined);
  const apply = (a: (typeof actions)[0]) => TextDocument.applyEdits(doc, a.edit!.changes!['file:///w/a.c'] as TextEdit[]);
  assert.equal(apply(actions[0]).split('\r\n')[2], '\t/* iova-lens-ignore dma-addr-as-phys: TODO say why this is safe here */');
  assert.equal(apply(actions[0]).split('\r\n')[3], '\tx = phys_to_virt(y);');
  // The macro's last line (no line break of its own after it is fine too): the comment goes at the end of the line.
  assert.equal(apply(plain(5)[0]).split('\r\n')[5], '\tphys_to_virt(d) /* iova-lens-ignore dma-addr-as-phys: TODO say why this is safe here */');
  // With the commands (VS Code): the same Suppress asks for the reason, and the doc and Replay actions are there.
  assert.deepEqual(codeActionsFor(doc, [diag(2, 5, 'dma-addr-as-phys')], true).map((a) => a.command?.command), ['iovaLens.suppress', 'iovaLens.showRuleDoc', 'iovaLens.replayInEmulator']);
});

test('a second rule suppressed on the same line joins the comment line above (a line of its own in between made the first silence that comment)', async () => {
  let text = 'static void *v(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n';
  const lineOf = (t: string) => t.split('\n').findIndex((l) => l.includes('return phys_to_virt'));
  const rules = (await check(text)).map((f) => f.rule);
  assert.ok(rules.length >= 3, rules.join());
  // Suppress each finding in turn, as a user clicks them, with a plain client's edit (its reason filled in).
  for (const rule of rules) {
    const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
    const a = codeActionsFor(doc, [diag(lineOf(text), 9, rule)], false).find((x) => x.title.startsWith('Suppress'))!;
    text = TextDocument.applyEdits(doc, a.edit!.changes!['file:///w/a.c'] as TextEdit[]).replace('TODO say why this is safe here', 'own domain');
  }
  assert.deepEqual(await check(text), [], text);
  assert.equal(text.split('\n').filter((l) => l.includes('iova-lens-ignore')).length, 1, 'one comment line, the rules side by side');
  // The VS Code command gets the same place: the line above, at its end.
  const doc = TextDocument.create('file:///w/a.c', 'c', 1, 'void f(void)\n{\n\t/* iova-lens-ignore dma-addr-as-phys: x */\n\ty = phys_to_virt(h);\n}\n');
  assert.deepEqual(codeActionsFor(doc, [diag(3, 5, 'linear-map-assumption')]).find((x) => x.title.startsWith('Suppress'))!.command!.arguments, ['file:///w/a.c', 2, 'linear-map-assumption', '\t', '\t/* iova-lens-ignore dma-addr-as-phys: x */'.length]);
});

test('the fix reaches a call written over several lines; an unused suppression can be removed (its whole line, or the comment alone after code)', () => {
  for (const call of ['virt_to_page(\n\t\tphys_to_virt(pa))', 'virt_to_page(phys_to_virt(\n\t\tpa))', 'virt_to_page(phys_to_virt(pa)\n\t\t)']) {
    const text = `void f(void)\n{\n\tput_page(${call});\n}\n`;
    const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
    const fix = codeActionsFor(doc, [diag(2, 10, 'linear-map-assumption')]).find((a) => a.isPreferred);
    assert.ok(fix, JSON.stringify(call));
    assert.equal(TextDocument.applyEdits(doc, fix.edit!.changes!['file:///w/a.c'] as TextEdit[]), 'void f(void)\n{\n\tput_page(pfn_to_page(PHYS_PFN(pa)));\n}\n');
  }
  const text = 'void f(void)\n{\n\t/* iova-lens-ignore dma-addr-as-phys: stale */\n\tx = 1; // iova-lens-ignore linear-map-assumption: stale\n}\n';
  const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
  const remove = (line: number, character: number) => {
    const d = { ...diag(line, character, 'unused-suppression') };
    const a = codeActionsFor(doc, [d]);
    assert.deepEqual(a.map((x) => x.title), ['Remove the unused suppression comment']);
    return TextDocument.applyEdits(doc, a[0].edit!.changes!['file:///w/a.c'] as TextEdit[]);
  };
  assert.equal(remove(2, 1), 'void f(void)\n{\n\tx = 1; // iova-lens-ignore linear-map-assumption: stale\n}\n');
  assert.equal(remove(3, 8), 'void f(void)\n{\n\t/* iova-lens-ignore dma-addr-as-phys: stale */\n\tx = 1;\n}\n');
});

test('a stale rule in a comment naming several is removed alone; a // or multi-line suppression above is not pushed away by a new one', async () => {
  const text = 'void *f(struct iommu_domain *d, dma_addr_t a)\n{\n\t/* iova-lens-ignore iova-reverse-lookup, dma-addr-as-phys, iova-phys-unchecked: the domain is ours */\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n';
  const stale = (await check(text)).filter((f) => f.rule === 'unused-suppression');
  assert.equal(stale.length, 1, JSON.stringify(stale));
  const doc = TextDocument.create('file:///w/a.c', 'c', 1, text);
  const d = { ...diag(2, 1, 'unused-suppression'), message: stale[0].message };
  const [a] = codeActionsFor(doc, [d]);
  assert.equal(a.title, 'Remove the stale rule from the suppression comment');
  const fixed = TextDocument.applyEdits(doc, a.edit!.changes!['file:///w/a.c'] as TextEdit[]);
  assert.match(fixed, /iova-lens-ignore iova-reverse-lookup, iova-phys-unchecked: the domain is ours/);
  assert.deepEqual((await check(fixed)).map((f) => f.rule), ['linear-map-assumption']);
  // A `//` comment and a kernel-style block comment above: the new suppression goes at the end of the code line.
  for (const above of ['\t// iova-lens-ignore iova-reverse-lookup: the domain is ours', '\t/*\n\t * iova-lens-ignore iova-reverse-lookup: the domain is ours\n\t */']) {
    let t = `void *f(struct iommu_domain *d, dma_addr_t a)\n{\n${above}\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n`;
    for (const rule of ['iova-phys-unchecked', 'linear-map-assumption']) {
      const line = t.split('\n').findIndex((l) => l.includes('return phys_to_virt'));
      const dd = TextDocument.create('file:///w/a.c', 'c', 1, t);
      const s = codeActionsFor(dd, [diag(line, 9, rule)], false).find((x) => x.title.startsWith('Suppress'))!;
      t = TextDocument.applyEdits(dd, s.edit!.changes!['file:///w/a.c'] as TextEdit[]).replace(/TODO say why this is safe here/g, 'ours');
    }
    assert.deepEqual(await check(t), [], t);
  }
});
