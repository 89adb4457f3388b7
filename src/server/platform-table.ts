// SPDX-License-Identifier: MIT
// The hover's small table: the finding's chain run by the emulator on each
// platform preset, one outcome per row — so the reviewer sees where it breaks.
import { runMatrix } from '../emulator/index';

export function platformTable(chain: string[]): string {
  let rows: { platform: { name: string }; outcome: string[]; answer?: string }[];
  try {
    rows = runMatrix(chain).rows;
  } catch (e) {
    return `_(emulator: ${(e as Error).message})_`;
  }
  const lines = ['| platform | outcome |', '|---|---|'];
  // (A test such as virt_addr_valid(): its answer per platform is what the finding is about.)
  for (const r of rows) lines.push(`| ${r.platform.name} | ${r.outcome.join(', ')}${r.answer ? ` — ${r.answer}` : ''} |`);
  return lines.join('\n');
}
