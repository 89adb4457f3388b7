// SPDX-License-Identifier: MIT
// The hover's small table: the finding's chain run by the emulator on each
// platform preset, one outcome per row — so the reviewer sees where it breaks.
import { runMatrix } from '../emulator/index';

export function platformTable(chain: string[]): string {
  let rows: { platform: { name: string }; outcome: string[] }[];
  try {
    rows = runMatrix(chain).rows;
  } catch (e) {
    return `_(emulator: ${(e as Error).message})_`;
  }
  const lines = ['| platform | outcome |', '|---|---|'];
  for (const r of rows) lines.push(`| ${r.platform.name} | ${r.outcome.join(', ')} |`);
  return lines.join('\n');
}
