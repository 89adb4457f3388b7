// SPDX-License-Identifier: MIT
// The live stream of translation rows: device address → walk → PA → VA →
// struct page → refcount, each cell green (matches the truth) or red with a
// one-line reason. Virtualised; keyboard: ↑/↓/PgUp/PgDn/Home/End select a row.
import { CELL_LABELS, type TranslationRow } from '../protocol/view-model';
import { $, h, okClass, setText } from './dom';
import { VirtualList } from './virtual-list';

export const ROW_H = 24;

export class StreamView {
  private rows: TranslationRow[] = [];
  private cursor = 0;
  private shown = 0;
  /** Selected row (null: follow the newest row while playing). */
  selected: number | null = null;
  private readonly list: VirtualList;
  private readonly scroller = $('rows-scroll');

  constructor(private readonly onSelect: (row: TranslationRow | null) => void) {
    this.list = new VirtualList({
      scroller: this.scroller,
      body: $('rows').querySelector('tbody')!,
      columns: 8,
      rowHeight: ROW_H,
      render: (i) => this.renderRow(i),
    });
    this.scroller.addEventListener('keydown', (e) => this.key(e));
    this.scroller.addEventListener('click', (e) => {
      const tr = (e.target as HTMLElement).closest('tr.xrow') as HTMLElement | null;
      if (tr) this.select(Number(tr.dataset.n));
    });
  }

  load(rows: TranslationRow[]): void {
    this.rows = rows;
    this.selected = null;
    this.shown = 0;
    this.list.follow = true;
    this.scroller.scrollTop = 0;
  }

  /** Playback moved: show the rows whose first event has been played. */
  update(cursor: number, shown: number): void {
    this.cursor = cursor;
    this.shown = shown;
    this.scroller.setAttribute('aria-rowcount', String(shown));
    this.list.setCount(shown, { rerender: true });
    this.onSelect(this.current());
  }

  current(): TranslationRow | null {
    if (this.shown === 0) return null;
    const i = this.selected !== null && this.selected < this.shown ? this.selected : this.shown - 1;
    return this.rows[i] ?? null;
  }

  select(i: number): void {
    if (this.shown === 0) return;
    this.selected = Math.max(0, Math.min(this.shown - 1, i));
    this.list.reveal(this.selected);
    this.list.refresh();
    this.onSelect(this.current());
  }

  get scrollTop(): number {
    return this.list.scrollTop;
  }

  set scrollTop(v: number) {
    this.list.scrollTop = v;
  }

  private key(e: KeyboardEvent): void {
    const cur = this.current()?.n ?? 0;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / this.list.rowHeight) - 1);
    const to: Record<string, number> = { ArrowDown: cur + 1, ArrowUp: cur - 1, PageDown: cur + page, PageUp: cur - page, Home: 0, End: this.shown - 1 };
    if (!(e.key in to)) return;
    e.preventDefault();
    this.select(to[e.key]);
  }

  private renderRow(i: number): HTMLTableRowElement {
    const r = this.rows[i];
    const sel = this.current()?.n === i;
    const tr = h('tr', {
      class: `xrow ${r.ok ? 'row-ok' : 'row-bad'}${sel ? ' selected' : ''}`,
      'data-n': i, 'data-ok': String(r.ok), 'aria-rowindex': i + 1, 'aria-selected': String(sel), role: 'row',
    });
    tr.appendChild(h('td', { class: 'num', text: String(i + 1), role: 'gridcell' }));
    for (const c of r.cells) {
      const played = c.event < this.cursor;
      tr.appendChild(h('td', {
        class: `cell ${played ? okClass(c.ok) : 'pending'}`, 'data-key': c.key, role: 'gridcell',
        // (The whole value too: a narrow column shows it cut.)
        title: played ? `${c.text} — ${CELL_LABELS[c.key]}: ${c.reason}` : 'not yet',
        text: played ? c.text : '…',
      }));
    }
    const done = r.last < this.cursor;
    tr.appendChild(h('td', { class: `why ${done ? (r.ok ? 'ok' : 'bad') : 'pending'}`, role: 'gridcell', title: r.reason, text: done ? r.reason : '…' }));
    return tr;
  }

  /** The detail line under the list: the selected row's reasons, in words. */
  detail(r: TranslationRow | null): void {
    const el = $('row-detail');
    if (!r) { setText(el, ''); return; }
    const bad = r.cells.filter((c) => c.ok === false).map((c) => `${CELL_LABELS[c.key]}: ${c.reason}`);
    const lines: [string, string][] = [[`#${r.n + 1} ${r.fn}(${r.cells[0].text}) — ${r.ok ? 'matches the truth' : 'wrong'}`, r.ok ? 'ok' : 'bad'], ...bad.map((b): [string, string] => [b, 'bad'])];
    if (r.fault && !bad.some((b) => b.includes(r.fault!))) lines.push([`fault: ${r.fault}`, 'bad']);
    for (const n of r.notes.slice(0, 3)) lines.push([n, 'muted']);
    el.replaceChildren(...lines.map(([l, cls]) => h('span', { class: cls, text: l })));
  }
}
