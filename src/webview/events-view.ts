// SPDX-License-Identifier: MIT
// Every event of the run (the raw stream), virtualised: <tr class="event"
// data-op="…"> rows for the part that has been played.
import type { RunJson } from '../protocol/emulator-messages';
import { eventDetail } from '../protocol/view-model';
import { $, h } from './dom';
import { VirtualList } from './virtual-list';

export const EVENT_ROW_H = 22;

export class EventsView {
  private events: RunJson['events'] = [];
  private highlight: [number, number] = [-1, -1];
  private readonly list: VirtualList;

  constructor() {
    this.list = new VirtualList({
      scroller: $('events-scroll'),
      body: $('events').querySelector('tbody')!,
      columns: 3,
      rowHeight: EVENT_ROW_H,
      render: (i) => this.renderRow(i),
    });
  }

  load(events: RunJson['events']): void {
    this.events = events;
    this.list.follow = true;
    this.list.scrollTop = 0;
  }

  update(cursor: number): void {
    this.list.setCount(cursor);
  }

  /** Marks the events of the current translation row. */
  mark(first: number, last: number): void {
    if (this.highlight[0] === first && this.highlight[1] === last) return;
    this.highlight = [first, last];
    this.list.refresh();
  }

  get scrollTop(): number {
    return this.list.scrollTop;
  }

  set scrollTop(v: number) {
    this.list.follow = false;
    this.list.scrollTop = v;
  }

  private renderRow(i: number): HTMLTableRowElement {
    const e = this.events[i];
    const inRow = i >= this.highlight[0] && i <= this.highlight[1];
    const tr = h('tr', { class: `event${inRow ? ' in-row' : ''}`, 'data-op': e.op, 'data-i': i });
    tr.append(h('td', { class: 'num', text: String(i + 1) }), h('td', { class: 'op', text: e.op }), h('td', { class: 'detail', title: eventDetail(e), text: eventDetail(e) }));
    return tr;
  }
}
