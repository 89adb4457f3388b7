// SPDX-License-Identifier: MIT
// The hover's small table (SPEC §1.5): the finding's chain run by the emulator
// on each platform preset — what each step returns there, and the outcome —
// so the reviewer sees where it breaks and why.
import { runMatrix } from '../emulator/index';

export function platformTable(chain: string[]): string {
  let m: ReturnType<typeof runMatrix>;
  try {
    m = runMatrix(chain);
  } catch (e) {
    return `_(emulator: ${(e as Error).message})_`;
  }
  // (A `|` inside a cell would end it: the nicvf helper's `iova-to-phys|identity` is written with a slash.)
  const head = ['platform', ...m.chain.map((w) => w.replace(/\|/g, ' / ')), 'outcome'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of m.rows) {
    const values = m.chain.map((_, i) => {
      const v = r.values?.[i] ?? '';
      return v.startsWith('0x') ? `\`${v}\`` : v;
    });
    // (A test such as virt_addr_valid(): its answer per platform is what the finding is about.)
    lines.push(`| ${r.platform.name} | ${values.join(' | ')} | ${r.outcome.join(', ')}${r.answer ? ` — ${r.answer}` : ''} |`);
  }
  return lines.join('\n');
}
