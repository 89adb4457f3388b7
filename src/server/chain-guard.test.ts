// SPDX-License-Identifier: MIT
// A finding's guard (the code tests a chain step's result for 0) on its way
// through the language server: the diagnostic's data → the Replay code action,
// the hover's table and its Replay link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver/node';
import { codeActionsFor } from './code-actions';
import { hoverFor } from './hover';
import type { Finding } from '../core/types';

const NICVF = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];

const finding = (guard?: { step: number }): Finding => ({
  path: 'drivers/net/ethernet/cavium/thunder/nicvf_queues.c', line: 50, column: 25, endLine: 50, endColumn: 37,
  rule: 'linear-map-assumption', severity: 'warning', concerns: ['a', 'b', 'c'], function: 'nicvf_free_rcv_buffer',
  message: 'phys_to_virt() assumes a linear-map address', chain: NICVF, related: [], ...(guard ? { guard } : {}),
});

// (The table itself with a guard: platform-table.test.ts.)

test('hover: the chain line says what is tested, the Replay link carries the guard', () => {
  const value = (f: Finding) => (hoverFor([f], { line: 49, character: 30 })!.contents as { value: string }).value;
  const g = value(finding({ step: 1 }));
  assert.match(g, /Chain: `dma-handle → iova-to-phys\|identity → phys-to-virt → virt-to-page → put-page` \(the code tests iova-to-phys\|identity \(step 1\) for 0 and stops there on 0\)/);
  assert.match(g.replace(/\u2011/g, '-'), /\| \*\*null, leak\*\*: thunderx-2017-identity \|/);
  const link = /\(command:iovaLens\.replayInEmulator\?([^)]+)\)/.exec(g)![1];
  assert.deepEqual(JSON.parse(decodeURIComponent(link))[0].guard, { step: 1 });
  const p = value(finding());
  assert.doesNotMatch(p, /the code tests/);
  assert.equal(JSON.parse(decodeURIComponent(/\(command:iovaLens\.replayInEmulator\?([^)]+)\)/.exec(p)![1]))[0].guard, undefined);
});

test('the Replay code action passes the diagnostic data\'s guard on (and none when there is none)', () => {
  const doc = TextDocument.create('file:///w/nicvf_queues.c', 'c', 1, 'void f(void)\n{\n\tif (pa)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));\n}\n');
  const diag = (guard?: { step: number }): Diagnostic => ({
    range: { start: { line: 3, character: 24 }, end: { line: 3, character: 36 } }, source: 'iova-lens', message: 'm', code: 'linear-map-assumption',
    data: { rule: 'linear-map-assumption', concerns: ['c'], chain: NICVF, function: 'f', ...(guard ? { guard } : {}) },
  });
  const arg = (d: Diagnostic) => codeActionsFor(doc, [d]).find((a) => a.title === 'Replay in emulator')!.command!.arguments![0];
  assert.deepEqual(arg(diag({ step: 1 })), { chain: NICVF, rule: 'linear-map-assumption', path: '/w/nicvf_queues.c', line: 4, function: 'f', guard: { step: 1 } });
  assert.ok(!('guard' in arg(diag())));
});
