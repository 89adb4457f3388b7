// SPDX-License-Identifier: MIT
// The page-table walk of the current translation, drawn level by level:
// IOVA → L1 table[index] = descriptor → next table → … → output PA.
import { big, hexGrouped, type TranslationRow, type WalkLevelView } from '../protocol/view-model';
import { $, s } from './dom';

const W = 380;
const BOX_H = 44;
const GAP = 16;

export function drawWalk(row: TranslationRow | null): void {
  const svg = $('walk-svg') as unknown as SVGSVGElement;
  svg.replaceChildren();
  if (!row) {
    svg.append(s('text', { x: 8, y: 20, class: 'muted' }, 'no translation yet'));
    svg.setAttribute('height', '40');
    return;
  }
  const levels: WalkLevelView[] = row.walk ?? [];
  let y = 4;
  const box = (label: string, value: string, cls: string, note?: string): void => {
    const g = s('g', { class: `wbox ${cls}` });
    g.append(s('rect', { x: 4, y, width: W - 8, height: BOX_H, rx: 4 }));
    g.append(s('text', { x: 12, y: y + 17, class: 'wlabel' }, label));
    g.append(s('text', { x: 12, y: y + 35, class: 'wvalue' }, value));
    if (note) g.append(s('title', {}, note));
    svg.append(g);
    y += BOX_H;
  };
  const arrow = (label?: string): void => {
    svg.append(s('line', { x1: 40, y1: y, x2: 40, y2: y + GAP - 2, class: 'warrow' }));
    svg.append(s('path', { d: `M35 ${y + GAP - 7} L40 ${y + GAP - 1} L45 ${y + GAP - 7}`, class: 'warrow' }));
    if (label) svg.append(s('text', { x: 52, y: y + GAP - 4, class: 'wsmall' }, label));
    y += GAP;
  };
  const device = row.cells.find((c) => c.key === 'device')!;
  box('device address (IOVA)', device.text, device.ok === false ? 'bad' : 'na');
  if (levels.length === 0) {
    arrow();
    const walkCell = row.cells.find((c) => c.key === 'walk')!;
    box('no page-table walk', walkCell.reason, 'na');
  }
  for (const l of levels) {
    arrow(`index ${l.index}`);
    const next = big(l.next);
    const leaf = l === levels[levels.length - 1];
    box(`L${l.level} descriptor [${l.index}]  ${l.valid ? (leaf ? 'page / block' : 'table') : 'INVALID'}`,
      `${hexGrouped(big(l.descriptor))}  →  ${leaf ? 'output' : 'table'} ${hexGrouped(next)}`,
      l.valid ? 'ok-soft' : 'bad', l.valid ? undefined : 'descriptor 0: the walk stops here (unmapped)');
  }
  arrow();
  const pa = row.cells.find((c) => c.key === 'pa')!;
  box(`PA — ${pa.reason}`, `${pa.text}${row.truth.pa !== null && pa.ok === false ? `   (buffer: ${hexGrouped(row.truth.pa)})` : ''}`, pa.ok === null ? 'na' : pa.ok ? 'ok' : 'bad');
  svg.setAttribute('height', String(y + 6));
  svg.setAttribute('viewBox', `0 0 ${W} ${y + 6}`);
}
