// SPDX-License-Identifier: MIT
// A virtualised table body: only the rows in view (plus a margin) exist in
// the DOM, between two spacer rows that keep the scroll height. Fixed row
// height (CSS var --row-h); a 10k-event trace scrolls with ~60 live rows.
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

  constructor(private readonly o: VirtualListOptions) {
    this.top = this.spacer();
    this.bottom = this.spacer();
    o.scroller.addEventListener('scroll', () => {
      const atBottom = o.scroller.scrollTop + o.scroller.clientHeight >= o.scroller.scrollHeight - o.rowHeight * 1.5;
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

  setCount(n: number, opts: { rerender?: boolean } = {}): void {
    const grew = n > this.count;
    this.count = n;
    if (grew && this.follow) this.stick = true;
    if (opts.rerender) this.renderNow(); else this.schedule();
  }

  /** Scrolls so item i is visible. */
  reveal(i: number): void {
    const sc = this.o.scroller;
    const y = i * this.o.rowHeight;
    if (y < sc.scrollTop) sc.scrollTop = y;
    else if (y + this.o.rowHeight > sc.scrollTop + sc.clientHeight) sc.scrollTop = y + this.o.rowHeight - sc.clientHeight;
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
    const end = Math.max(0, this.count * this.o.rowHeight - sc.clientHeight);
    const top = this.stick ? end : sc.scrollTop;
    const w = virtualWindow(top, sc.clientHeight || 400, this.o.rowHeight, this.count);
    (this.top.firstChild as HTMLElement).style.height = `${w.padTop}px`;
    (this.bottom.firstChild as HTMLElement).style.height = `${w.padBottom}px`;
    const rows: HTMLTableRowElement[] = [this.top];
    for (let i = w.start; i < w.end; i++) rows.push(this.o.render(i));
    rows.push(this.bottom);
    this.o.body.replaceChildren(...rows);
    if (this.stick) {
      this.stick = false;
      sc.scrollTop = top;
    }
  }
}
