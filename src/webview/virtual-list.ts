// SPDX-License-Identifier: MIT
// A virtualised table body: only the rows in view (plus a margin) exist in
// the DOM, between two spacer rows that keep the scroll height. Rows of one
// height, measured once rendered (the CSS asks for 24 px, borders and zoom
// make it 24.5 or 25: computed at 24, row 136 sat below the list's end);
// a 10k-event trace scrolls with ~60 live rows.
import { virtualWindow } from '../protocol/view-model';

export interface VirtualListOptions {
  scroller: HTMLElement;
  body: HTMLTableSectionElement;
  columns: number;
  rowHeight: number;
  /** Builds the <tr> of item i. */
  render(i: number): HTMLTableRowElement;
}

export class VirtualList {
  private count = 0;
  private frame = 0;
  /** The count grew while following: show the end on the next render. */
  private stick = false;
  private readonly top: HTMLTableRowElement;
  private readonly bottom: HTMLTableRowElement;
  /** Keep the view at the bottom while the count grows (live stream), until the user scrolls up. */
  follow = true;
  /** A row's height as rendered (starts from the options' value). */
  private h: number;

  constructor(private readonly o: VirtualListOptions) {
    this.h = o.rowHeight;
    this.top = this.spacer();
    this.bottom = this.spacer();
    o.scroller.addEventListener('scroll', () => {
      const atBottom = o.scroller.scrollTop + o.scroller.clientHeight >= o.scroller.scrollHeight - this.h * 1.5;
      this.follow = atBottom;
      this.schedule();
    }, { passive: true });
    new ResizeObserver(() => this.schedule()).observe(o.scroller);
  }

  private spacer(): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    const td = document.createElement('td');
    td.colSpan = this.o.columns;
    tr.appendChild(td);
    return tr;
  }

  get length(): number {
    return this.count;
  }

  /** A row's height in pixels, as rendered. */
  get rowHeight(): number {
    return this.h;
  }

  setCount(n: number, opts: { rerender?: boolean } = {}): void {
    const grew = n > this.count;
    this.count = n;
    if (grew && this.follow) this.stick = true;
    if (opts.rerender) this.renderNow(); else this.schedule();
  }

  /** Scrolls so item i is visible. */
  reveal(i: number): void {
    const sc = this.o.scroller;
    const y = i * this.h;
    if (y < sc.scrollTop) sc.scrollTop = y;
    else if (y + this.h > sc.scrollTop + sc.clientHeight) sc.scrollTop = Math.ceil(y + this.h - sc.clientHeight);
    this.schedule();
  }

  get scrollTop(): number {
    return this.o.scroller.scrollTop;
  }

  set scrollTop(v: number) {
    this.o.scroller.scrollTop = v;
    this.schedule();
  }

  refresh(): void {
    this.renderNow();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  private renderNow(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    const sc = this.o.scroller;
    // Following the stream: render the window at the end, then scroll there (the
    // browser would clamp a scrollTop set before the spacers grew).
    const end = Math.max(0, Math.ceil(this.count * this.h - sc.clientHeight));
    const top = this.stick ? end : sc.scrollTop;
    const w = virtualWindow(top, sc.clientHeight || 400, this.h, this.count);
    // (An empty spacer row would still take a pixel or two: it is not shown at all.)
    (this.top.firstChild as HTMLElement).style.height = `${w.padTop}px`;
    (this.bottom.firstChild as HTMLElement).style.height = `${w.padBottom}px`;
    this.top.style.display = w.padTop > 0 ? '' : 'none';
    this.bottom.style.display = w.padBottom > 0 ? '' : 'none';
    const rows: HTMLTableRowElement[] = [this.top];
    for (let i = w.start; i < w.end; i++) rows.push(this.o.render(i));
    rows.push(this.bottom);
    this.o.body.replaceChildren(...rows);
    // The rows' real height: from the first rendered row to the one after the last.
    const n = w.end - w.start;
    let remeasured = false;
    if (n >= 2) {
      const first = rows[1];
      const last = rows[rows.length - 2];
      const h = (last.offsetTop + last.offsetHeight - first.offsetTop) / n;
      if (h > 0 && Math.abs(h - this.h) > 0.01) {
        this.h = h;
        remeasured = true;
      }
    }
    if (this.stick) {
      sc.scrollTop = top;
      // (Remeasured: the end moved; the next render scrolls to the new one.)
      this.stick = remeasured;
    }
    if (remeasured) this.schedule();
  }
}
