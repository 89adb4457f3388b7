// SPDX-License-Identifier: MIT
// The webview is untrusted input: every message type is accepted in its
// valid shape and rejected when malformed, with extra keys or oversized.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRejected, guardProblem, isReplayArg, isSourceRef, isWebviewToHost, LIMITS, replayArgProblem, webviewGuardProblem } from './emulator-messages';

const origin = { path: '/ws/drivers/net/ethernet/cavium/thunder/nicvf_queues.c', line: 50, function: 'nicvf_free_rcv_buffer', rule: 'linear-map-assumption' };

const VALID: unknown[] = [
  { type: 'ready' },
  { type: 'saveTrace' },
  { type: 'runScenario', id: 'S1' },
  { type: 'runScenario', id: 'S12' },
  { type: 'runChain', chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt'], platform: 'arm64-64k' },
  { type: 'runChain', chain: ['dma-handle'], platform: 'arm64-64k,iommu=smmuv3,domain=identity,era=2017,dma-offset=0x80000000,swiotlb=force,untrusted=yes' },
  { type: 'runProgram', id: 'nicvf-2017', platform: 'arm64-64k-smmuv3,domain=identity,era=2017' },
  { type: 'runChain', chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'], platform: 'thunderx-2017-identity', guard: { step: 1 } },
  { type: 'runMatrix', chain: ['dma-handle', 'identity'] },
  { type: 'runMatrix', chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt'], origin, guard: { step: 1 } },
  { type: 'runMatrix', chain: ['dma-handle', 'identity'], origin },
  { type: 'runMatrix', chain: ['dma-handle'], origin: { ...origin, function: null } },
  { type: 'lookup', requestId: 0, text: '0x9_1230_0782', platform: 'arm64-64k' },
  { type: 'lookup', requestId: 7, text: 'ffff000892300782', platform: 'arm64-64k-smmuv3' },
  { type: 'revealSource', path: origin.path, line: 1 },
  { type: 'revealSource', path: 'file:///ws/a.c', line: 50 },
];

test('every webview message type is accepted in its valid shape', () => {
  for (const m of VALID) assert.equal(isWebviewToHost(m), true, JSON.stringify(m));
});

test('non-objects and unknown types are rejected', () => {
  for (const bad of [null, undefined, 1, 'ready', true, [], [{ type: 'ready' }], {}, { type: 'eval', code: '1' }, { type: 'READY' }, { type: 7 }]) {
    assert.equal(isWebviewToHost(bad), false, String(JSON.stringify(bad)));
  }
});

test('an extra key makes any message malformed', () => {
  for (const m of VALID) {
    assert.equal(isWebviewToHost({ ...(m as object), extra: 1 }), false, JSON.stringify(m));
    assert.equal(isWebviewToHost({ ...(m as object), __proto__: { injected: 1 }, extra: undefined }), false);
  }
});

test('a missing required key makes any message malformed', () => {
  for (const m of VALID) {
    for (const k of Object.keys(m as object)) {
      if (k === 'type' || k === 'origin' || k === 'guard') continue;
      const copy = { ...(m as Record<string, unknown>) };
      delete copy[k];
      assert.equal(isWebviewToHost(copy), false, `${JSON.stringify(m)} without ${k}`);
    }
  }
});

test('ready / saveTrace take no fields', () => {
  assert.equal(isWebviewToHost({ type: 'ready', id: 'S1' }), false);
  assert.equal(isWebviewToHost({ type: 'saveTrace', path: '/tmp/x.json' }), false);
});

test('runScenario: only S1..S12 as a string', () => {
  for (const id of ['S0', 'S13', 's1', 'S1 ', 'S01', '', 1, null, ['S1'], 'S1;rm -rf /']) {
    assert.equal(isWebviewToHost({ type: 'runScenario', id }), false, JSON.stringify(id));
  }
});

test('runProgram: a program id and a platform spec, nothing else', () => {
  const ok = { type: 'runProgram', id: 'nicvf-2017', platform: 'arm64-4k' };
  assert.equal(isWebviewToHost(ok), true);
  for (const bad of [{ ...ok, id: '' }, { ...ok, id: 'Nicvf' }, { ...ok, id: '../x' }, { ...ok, id: 'a'.repeat(LIMITS.programChars + 1) }, { ...ok, id: 7 }, { ...ok, platform: '' }, { ...ok, extra: 1 }, { type: 'runProgram', id: 'nicvf-2017' }]) {
    assert.equal(isWebviewToHost(bad), false, JSON.stringify(bad));
  }
});

test('runChain: chain words and platform spec are checked, oversized ones rejected', () => {
  const ok = { type: 'runChain', chain: ['dma-handle'], platform: 'arm64-4k' };
  const bads = [
    { ...ok, chain: [] },
    { ...ok, chain: 'dma-handle' },
    { ...ok, chain: ['<script>'] },
    { ...ok, chain: ['dma-handle', 3] },
    { ...ok, chain: ['Dma-Handle'] },
    { ...ok, chain: ['dma-handle|'] },
    { ...ok, chain: Array.from({ length: LIMITS.chainSteps + 1 }, () => 'identity') },
    { ...ok, chain: ['a'.repeat(LIMITS.stepChars + 1)] },
    { ...ok, platform: 7 },
    { ...ok, platform: '' },
    { ...ok, platform: 'x'.repeat(LIMITS.platformChars + 1) },
    { ...ok, platform: 'arm64-4k,iommu=<img src=x>' },
    { ...ok, platform: 'arm64-4k\nera=2017' },
  ];
  for (const b of bads) assert.equal(isWebviewToHost(b), false, JSON.stringify(b).slice(0, 120));
  assert.equal(isWebviewToHost({ ...ok, chain: Array.from({ length: LIMITS.chainSteps }, () => 'identity') }), true);
});

test('runMatrix: the origin is checked field by field', () => {
  const bads = [
    { ...origin, line: 0 },
    { ...origin, line: 1.5 },
    { ...origin, line: '50' },
    { ...origin, line: LIMITS.maxLine + 1 },
    { ...origin, function: 'a b' },
    { ...origin, function: 'f'.repeat(LIMITS.functionChars + 1) },
    { ...origin, rule: 'Linear Map' },
    { ...origin, path: '' },
    { ...origin, path: 'a\u0000b' },
    { ...origin, path: 'x'.repeat(LIMITS.pathChars + 1) },
    { ...origin, extra: 1 },
    { path: origin.path, line: 1, rule: 'r' },
  ];
  for (const o of bads) {
    assert.equal(isSourceRef(o), false, JSON.stringify(o).slice(0, 120));
    assert.equal(isWebviewToHost({ type: 'runMatrix', chain: ['dma-handle'], origin: o }), false);
  }
  assert.equal(isWebviewToHost({ type: 'runMatrix', chain: ['dma-handle'], origin: null }), false);
});

test('lookup: request id, text and platform are bounded', () => {
  const ok = { type: 'lookup', requestId: 1, text: '0x1', platform: 'arm64-4k' };
  for (const b of [
    { ...ok, requestId: -1 }, { ...ok, requestId: 1.5 }, { ...ok, requestId: '1' }, { ...ok, requestId: Number.MAX_SAFE_INTEGER + 2 },
    { ...ok, text: '' }, { ...ok, text: 'x'.repeat(LIMITS.addressChars + 1) }, { ...ok, text: 1 }, { ...ok, platform: '' },
  ]) assert.equal(isWebviewToHost(b), false, JSON.stringify(b).slice(0, 120));
});

test('revealSource: path and line are checked', () => {
  const ok = { type: 'revealSource', path: '/ws/a.c', line: 3 };
  for (const b of [{ ...ok, line: 0 }, { ...ok, line: -3 }, { ...ok, line: NaN }, { ...ok, path: '' }, { ...ok, path: 'x'.repeat(LIMITS.pathChars + 1) }, { ...ok, path: '/a\n/b' }, { ...ok, path: 42 }]) {
    assert.equal(isWebviewToHost(b), false, JSON.stringify(b).slice(0, 120));
  }
});

test('a huge message is rejected without being walked to the end', () => {
  const chain = Array.from({ length: 1_000_000 }, () => 'identity');
  const t = Date.now();
  assert.equal(isWebviewToHost({ type: 'runChain', chain, platform: 'arm64-4k' }), false);
  assert.ok(Date.now() - t < 200);
});

test('the Replay argument: chain required, optional source fields checked, unknown keys ignored', () => {
  assert.ok(isReplayArg({ chain: ['dma-handle', 'iova-to-phys|identity'], rule: 'linear-map-assumption' }));
  assert.ok(isReplayArg({ chain: ['dma-handle'], rule: 'linear-map-assumption', path: origin.path, line: 50, function: 'nicvf_free_rcv_buffer', extra: 1 }));
  assert.ok(isReplayArg({ chain: ['dma-handle'], function: null }));
  for (const b of [null, {}, { chain: [] }, { chain: ['x y'] }, { chain: ['dma-handle'], line: 0 }, { chain: ['dma-handle'], rule: 'A B' }, { chain: ['dma-handle'], function: '1x' }]) {
    assert.equal(isReplayArg(b), false, JSON.stringify(b));
  }
});

test('a guard: exactly { step }, a whole step number after the source; a malformed one rejects the message with one line', () => {
  const chain = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];
  for (const step of [1, 2, 4]) assert.equal(guardProblem({ step }, chain), undefined);
  const bads: [unknown, RegExp][] = [
    [{ step: 0 }, /^guard: step must be a whole number from 1 to 4 \(a step of the 5-word chain after its source\), not 0$/],
    [{ step: 5 }, /from 1 to 4 .*not 5$/],
    [{ step: -1 }, /not -1$/],
    [{ step: 1.5 }, /not 1\.5$/],
    [{ step: '1' }, /not "1"$/],
    [{ step: null }, /not null$/],
    [{ step: 1, why: 'x' }, /^guard: expected \{ "step": N \} and no other key$/],
    [{}, /expected \{ "step": N \}/],
    [1, /expected \{ "step": N \}/],
    [[1], /expected \{ "step": N \}/],
    [null, /expected \{ "step": N \}/],
  ];
  for (const [g, re] of bads) {
    const why = guardProblem(g, chain);
    assert.match(why ?? 'accepted', re, JSON.stringify(g));
    assert.ok(!why!.includes('\n') && why!.length < 160, why);
    for (const m of [{ type: 'runChain', chain, platform: 'arm64-4k', guard: g }, { type: 'runMatrix', chain, guard: g }]) {
      assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
      assert.equal(webviewGuardProblem(m), why);
    }
    assert.equal(isReplayArg({ chain, rule: 'linear-map-assumption', guard: g }), false, JSON.stringify(g));
    assert.equal(replayArgProblem({ chain, guard: g }), why);
  }
  assert.match(guardProblem({ step: 1 }, ['dma-handle'])!, /^guard: the chain has no step after its source to test$/);
  assert.equal(isWebviewToHost({ type: 'runChain', chain: ['dma-handle'], platform: 'arm64-4k', guard: { step: 1 } }), false);
  // Only the two chain messages take a guard.
  assert.equal(isWebviewToHost({ type: 'runProgram', id: 'nicvf-2017', platform: 'arm64-4k', guard: { step: 1 } }), false);
  assert.equal(webviewGuardProblem({ type: 'runChain', chain, platform: 'arm64-4k' }), undefined);
  assert.ok(isReplayArg({ chain, rule: 'linear-map-assumption', path: origin.path, line: 50, function: 'nicvf_free_rcv_buffer', guard: { step: 1 } }));
  assert.equal(replayArgProblem({ chain: [] }), `chain: expected 1 to ${LIMITS.chainSteps} step words`);
});

test('rejected messages are described briefly for the log', () => {
  assert.equal(describeRejected({ type: 'x' }), '{"type":"x"}');
  const long = describeRejected({ type: 'runChain', platform: 'x'.repeat(5000) });
  assert.ok(long.length < 260 && /chars\)$/.test(long), long);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(describeRejected(cyclic), '[object Object]');
  assert.equal(describeRejected(undefined), 'undefined');
});
