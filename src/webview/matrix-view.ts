// SPDX-License-Identifier: MIT
// The matrix: one chain against every platform preset, one outcome cell
// each; activating a cell opens that run's stream. Replay titles it with the
// source function and line and offers a link back to the code.
import type { GuardJson, PlatformInfo, RunJson, SourceRef } from '../protocol/emulator-messages';
import { guardText, matrixCells, type MatrixCell } from '../protocol/view-model';
import { $, h, setText } from './dom';

export class MatrixView {
  private cells: MatrixCell[] = [];
  private origin: SourceRef | null = null;
  private readonly body = $('matrix').querySelector('tbody')!;

  constructor(
    private readonly open: (platform: string) => void,
    private readonly reveal: (o: SourceRef) => void,
    private readonly onClose: () => void,
  ) {
    $('close-matrix').addEventListener('click', () => this.hide());
    $('source-link').addEventListener('click', () => { if (this.origin) this.reveal(this.origin); });
    this.body.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest('button.mcell') as HTMLButtonElement | null;
      if (b?.dataset.platform) this.open(b.dataset.platform);
    });
    this.body.addEventListener('keydown', (e) => {
      const b = (e.target as HTMLElement).closest('button.mcell') as HTMLButtonElement | null;
      if (!b || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End')) return;
      e.preventDefault();
      const all = [...this.body.querySelectorAll<HTMLButtonElement>('button.mcell')];
      const i = all.indexOf(b);
      const j = e.key === 'Home' ? 0 : e.key === 'End' ? all.length - 1 : i + (e.key === 'ArrowDown' ? 1 : -1);
      this.focusCell(all, Math.max(0, Math.min(all.length - 1, j)));
    });
    // One Tab stop for the whole matrix (the arrows move inside it): the cell last moved to.
    this.body.addEventListener('focusin', (e) => {
      const b = (e.target as HTMLElement).closest('button.mcell') as HTMLButtonElement | null;
      if (b) for (const x of this.body.querySelectorAll<HTMLButtonElement>('button.mcell')) x.tabIndex = x === b ? 0 : -1;
    });
  }

  show(m: { chain: string[]; guard?: GuardJson; rows: RunJson[]; title: string; origin: SourceRef | null }, presets: PlatformInfo[]): MatrixCell[] {
    this.cells = matrixCells(m.rows, presets);
    this.origin = m.origin;
    setText($('matrix-title'), m.title);
    setText($('matrix-chain'), `chain: ${m.chain.join(' → ')}${m.guard ? ` · ${guardText(m.chain, m.guard)}` : ''}`);
    const link = $<HTMLButtonElement>('source-link');
    link.hidden = !m.origin;
    if (m.origin) {
      const file = m.origin.path.split(/[\\/]/).pop() ?? m.origin.path;
      setText(link, `↩ ${file}:${m.origin.line}${m.origin.function ? ` (${m.origin.function})` : ''}`);
      link.title = `Open ${m.origin.path} at line ${m.origin.line}`;
    }
    this.body.replaceChildren(...this.cells.map((c, i) => {
      const p = presets.find((x) => x.name === c.platform);
      const cfg = p ? `${p.iommu} · ${p.domain} · ${p.era}${p.dmaOffset !== '0x0' ? ` · dma-ranges ${p.dmaOffset}` : ''}${p.swiotlb === 'force' ? ' · swiotlb=force' : ''}${p.untrusted ? ' · untrusted' : ''}` : '';
      return h('tr', { class: 'matrix-row', 'data-platform': c.platform, 'data-outcome': c.outcome.join(' ') },
        h('th', { scope: 'row', title: c.description, text: c.platform }),
        h('td', { class: 'muted', text: cfg }),
        h('td', {}, h('button', {
          type: 'button', class: `mcell ${c.ok ? 'ok' : 'bad'}`, 'data-platform': c.platform, 'data-i': i, tabindex: i === 0 ? 0 : -1,
          'aria-label': `${c.platform}: ${c.label}. Open this run`, text: c.label,
        })));
    }));
    $('matrix-section').hidden = false;
    return this.cells;
  }

  private focusCell(all: HTMLButtonElement[], i: number): void {
    for (const [k, x] of all.entries()) x.tabIndex = k === i ? 0 : -1;
    all[i]?.focus();
  }

  /** Marks the cell whose run is shown below. */
  markOpen(platform: string | null): void {
    for (const tr of this.body.querySelectorAll<HTMLElement>('tr.matrix-row')) tr.classList.toggle('open', tr.dataset.platform === platform);
  }

  hide(): void {
    $('matrix-section').hidden = true;
    this.onClose();
  }
}
