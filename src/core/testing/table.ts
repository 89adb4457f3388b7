// SPDX-License-Identifier: MIT
// The valid/invalid table every rule's test is: each invalid case names the
// findings the rule must report (line, and concerns/chain where they matter),
// each valid case must leave the rule silent. Lines are given by a `/*!*/`
// marker at the end of the line in the snippet, or explicitly.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { check, markedLines, show, SNIPPET_PATH, type CheckOptions } from './check';
import type { Concern } from '../types';

export interface Expect {
  path?: string;
  line: number;
  concerns?: Concern[];
  chain?: string[];
  fn?: string | null;
}

export interface Case {
  name: string;
  /** One snippet (analysed as SNIPPET_PATH) or several files. */
  code: string | Record<string, string>;
  /** Default: one finding per `/*!*\/`-marked line of the snippet. */
  expect?: Expect[];
  /** Concerns every expected finding must have exactly (when `expect` is derived from markers). */
  concerns?: Concern[];
  chain?: string[];
  opts?: CheckOptions;
}

function expected(c: Case): Expect[] {
  if (c.expect) return c.expect;
  const files = typeof c.code === 'string' ? { [SNIPPET_PATH]: c.code } : c.code;
  const out: Expect[] = [];
  for (const [path, text] of Object.entries(files)) {
    for (const line of markedLines(text)) out.push({ path, line, concerns: c.concerns, chain: c.chain });
  }
  return out;
}

export function ruleTable(rule: string, invalid: Case[], valid: Case[]): void {
  describe(`${rule}: invalid`, () => {
    for (const c of invalid) {
      test(c.name, async () => {
        const fs = await check(c.code, { ...c.opts, rule });
        const want = expected(c);
        assert.ok(want.length > 0, 'an invalid case must expect at least one finding');
        const got = fs.map((f) => `${f.path}:${f.line}`);
        const exp = want.map((w) => `${w.path ?? SNIPPET_PATH}:${w.line}`);
        assert.deepEqual(got.sort(), exp.sort(), `findings differ:\n${show(fs)}`);
        for (const w of want) {
          const f = fs.find((x) => x.path === (w.path ?? SNIPPET_PATH) && x.line === w.line)!;
          if (w.concerns) assert.deepEqual(f.concerns, w.concerns, `concerns at line ${w.line}:\n${show(fs)}`);
          if (w.chain) assert.deepEqual(f.chain, w.chain, `chain at line ${w.line}:\n${show(fs)}`);
          if (w.fn !== undefined) assert.equal(f.function, w.fn);
          assert.equal(f.rule, rule);
        }
      });
    }
  });
  describe(`${rule}: valid`, () => {
    for (const c of valid) {
      test(c.name, async () => {
        const fs = await check(c.code, { ...c.opts, rule });
        assert.deepEqual(fs, [], `expected no ${rule} finding:\n${show(fs)}`);
      });
    }
  });
}
