// SPDX-License-Identifier: MIT
// Replays every input the fuzzer (scripts/fuzz.mjs) ever saw fail: each must
// now go through the whole analysis and the output formats without throwing,
// without an internal error, and within the SPEC's 2 s per file (checked here
// with a generous margin — this is a hang guard, not a benchmark).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers';
import { testParser } from '../../src/core/testing/check';
import { Checker } from '../../src/core/engine';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { formatJson } from '../../src/core/formats/json';
import { formatSarif } from '../../src/core/formats/sarif';
import { formatGcc } from '../../src/core/formats/gcc';
import { formatText } from '../../src/core/formats/text';

const DIR = join(REPO, 'test', 'fixtures', 'regressions');

/** A saved input: a .c file holds the exact text; a .json file `{ "text" }` holds text that is not valid UTF-8 (lone surrogates, as an editor buffer can). */
function load(name: string): string {
  const raw = readFileSync(join(DIR, name));
  if (name.endsWith('.json')) return (JSON.parse(raw.toString('utf8')) as { text: string }).text;
  return new TextDecoder('utf-8', { fatal: false }).decode(raw);
}

const files = existsSync(DIR) ? readdirSync(DIR).filter((n) => /\.(c|json)$/.test(n)).sort() : [];

test('regression fixtures are present (scripts/fuzz.mjs saves every failing input here)', () => {
  assert.ok(files.length > 0, `no saved inputs in ${DIR}`);
});

for (const name of files) {
  for (const how of ['whole', 'skimmed'] as const) {
    // `whole`: the editor's full parse, after reading the same text as another file of the folder that is
    // not analysed (setOtherFile: field lines, domain allocations, allocation wrappers), as scripts/fuzz.mjs
    // does; `skimmed`: a whole-tree scan's (keep.ts, skim.ts, included ranges).
    test(`fuzz regression ${name} (${how}): analysed without a crash or a hang`, async () => {
      const text = load(name);
      const parser = await testParser();
      const checker = new Checker(parser, DEFAULT_CONFIG);
      const t0 = performance.now();
      try {
        if (how === 'whole') {
          checker.setOtherFile('drivers/net/ethernet/fuzz/fuzz_other.c', text);
          checker.setFile('drivers/net/ethernet/fuzz/fuzz.c', text);
        }
        else checker.setSkimmed([{ key: 'drivers/net/ethernet/fuzz/fuzz.c', text }]);
        const findings = checker.check();
        const report = { tool: 'iova-lens' as const, version: 'test', root: '/r', filesScanned: 1, durationMs: 0, findings, errors: [] };
        JSON.parse(formatJson(report));
        JSON.parse(formatSarif(report));
        formatGcc(findings, true);
        formatText(findings, [], { color: false, filesScanned: 1, durationMs: 0 });
        const internal = (checker as unknown as { errors?: string[] }).errors ?? [];
        assert.deepEqual(internal, [], 'no rule reported an internal error');
        assert.ok(findings.filter((f) => f.path === 'drivers/net/ethernet/fuzz/fuzz.c').length <= checker.maxFindingsPerFile + 1, 'findings are capped per file');
      } finally {
        checker.project.dispose();
      }
      const ms = performance.now() - t0;
      assert.ok(ms < 10_000, `${name} took ${ms.toFixed(0)} ms`);
    });
  }
}
