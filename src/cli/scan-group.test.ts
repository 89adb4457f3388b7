// SPDX-License-Identifier: MIT
// Which folders a scan sends to the parser, from what the cache remembers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsParser, type GroupTask } from './scan-group';

test('a file the cache remembers as unreadable is read again: it needs the parser when it may matter now', () => {
  const stamp = { size: 42, mtimeMs: 1000, ctimeMs: 1000 };
  const task = (error?: string, maybe?: boolean): GroupTask => ({
    dir: 'drv',
    files: [{ abs: '/t/drv/a.c', key: 'drv/a.c', ...stamp, maybe }],
    known: { 'drv/a.c': { ...stamp, candidate: false, ...(error ? { error } : {}) } },
  });
  assert.equal(needsParser(task('cannot read (EACCES)')), true, 'was unreadable, same stamp: read again');
  assert.equal(needsParser(task()), false, 'a remembered non-candidate with the same stamp');
  assert.equal(needsParser(task('cannot read (EACCES)', false)), false, 'ripgrep read it whole: it names no API');
  const changed = task();
  changed.files[0].ctimeMs = 2000;
  assert.equal(needsParser(changed), true, 'its ctime moved (chmod, bytes rewritten under the same mtime)');
});
