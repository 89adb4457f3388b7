// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReport, progressOf } from './cli-scan';

test('the CLI\'s progress lines are told from its error lines; folders analysed give a percentage', () => {
  assert.deepEqual(progressOf('iova-lens: listing files…'), { message: 'listing files…' });
  assert.deepEqual(progressOf('iova-lens: 31519 files, searching them for the translation APIs…'), { message: '31519 files, searching them for the translation APIs…' });
  assert.deepEqual(progressOf('iova-lens: 129/259 directories analysed'), { message: '129/259 directories analysed', percent: 49 });
  assert.equal(progressOf('iova-lens: drivers/x/y.h: file too large (15.7 MB > 8 MB)'), undefined);
  assert.equal(progressOf('iova-lens: 3/4 directories analysed (extra)'), undefined);
});

test('a report\'s related locations get column 1 (the JSON has none); a report without its arrays is refused', () => {
  const r = parseReport(JSON.stringify({ findings: [{ path: 'a.c', line: 2, column: 3, endLine: 2, endColumn: 9, rule: 'iova-reverse-lookup', severity: 'warning', concerns: ['a'], function: 'f', message: 'm', chain: [], related: [{ path: 'a.h', line: 7, message: 'here' }] }], errors: [{ path: 'b.c', message: 'binary file' }] }));
  assert.deepEqual(r.findings[0].related, [{ path: 'a.h', line: 7, message: 'here', column: 1 }]);
  assert.deepEqual(r.errors, [{ path: 'b.c', message: 'binary file' }]);
  assert.throws(() => parseReport('{"findings": []}'), /no "findings" and "errors" arrays/);
});
