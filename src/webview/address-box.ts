// SPDX-License-Identifier: MIT
// The address box: type an IOVA, PA or VA (hex, "_" allowed) and see it in
// every space — as this run's IOVA (its mapping and the walk the run did),
// and, from the host's emulator, as a PA, a kernel VA and a DMA address.
import type { AddressJson, RunJson } from '../protocol/emulator-messages';
import { addressLines, addressOrError, big, hexGrouped, iovaView } from '../protocol/view-model';
import { $, h, setText } from './dom';

export class AddressBox {
  private requestId = 0;
  private run: RunJson | null = null;
  /** Playback cursor: the IOVA view shows the mappings as of this event. */
  cursor = Number.MAX_SAFE_INTEGER;
  private readonly input = $<HTMLInputElement>('address');
  private readonly body = $('address-result').querySelector('tbody')!;

  constructor(private readonly lookup: (requestId: number, text: string, platform: string) => void, private readonly onText: (t: string) => void) {
    $('address-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  setRun(run: RunJson): void {
    this.run = run;
    if (this.input.value.trim()) this.submit();
  }

  setText(t: string): void {
    this.input.value = t;
  }

  submit(): void {
    const text = this.input.value.trim();
    this.onText(text);
    setText($('address-error'), '');
    // (A request still out answers an address no longer shown.)
    this.requestId++;
    if (!text) {
      this.input.removeAttribute('aria-invalid');
      this.body.replaceChildren();
      return;
    }
    const v = addressOrError(text);
    if (typeof v === 'string') {
      // The rows of the last address would read as this text's answer: gone.
      setText($('address-error'), v);
      this.input.setAttribute('aria-invalid', 'true');
      this.body.replaceChildren();
      return;
    }
    this.input.removeAttribute('aria-invalid');
    // Digits without 0x are read as hex: say so (4096 is 0x4096 here).
    const read = /^0x/i.test(text) ? [] : [h('tr', { class: 'addr-row', 'data-space': 'input' }, h('th', { scope: 'row', text: 'read as' }), h('td', { text: 'hex' }), h('td', { class: 'mono', text: hexGrouped(v) }), h('td', { class: 'muted', text: 'digits are hex; write 0x… to be explicit' }))];
    this.body.replaceChildren(...read, ...this.iovaRows(v), h('tr', { class: 'addr-pending' }, h('td', { colspan: 4, class: 'muted', text: 'looking up…' })));
    // The host gets the address in its canonical form (the box may hold any number of "_").
    if (this.run) this.lookup(this.requestId, `0x${v.toString(16)}`, this.run.platform.name);
  }

  /** The host's answer (ignored unless it answers the latest request). */
  answer(requestId: number, result: AddressJson | null, error?: string): void {
    if (requestId !== this.requestId) return;
    this.body.querySelector('.addr-pending')?.remove();
    if (!result) {
      setText($('address-error'), error ?? 'no answer');
      return;
    }
    for (const l of addressLines(result)) {
      this.body.appendChild(h('tr', { class: 'addr-row', 'data-space': l.space, 'data-fn': l.fn },
        h('th', { scope: 'row', text: l.space }), h('td', { text: l.fn }), h('td', { class: 'mono', text: l.value }), h('td', { class: 'muted', text: l.note })));
    }
  }

  private iovaRows(v: bigint): HTMLTableRowElement[] {
    if (!this.run) return [];
    const iv = iovaView(this.run, v, this.cursor);
    const rows: HTMLTableRowElement[] = [];
    const row = (fn: string, value: string, note: string, cls = '') => rows.push(h('tr', { class: `addr-row ${cls}`, 'data-space': 'as an IOVA', 'data-fn': fn },
      h('th', { scope: 'row', text: 'as an IOVA (this run)' }), h('td', { text: fn }), h('td', { class: 'mono', text: value }), h('td', { class: 'muted', text: note })));
    if (iv.map) {
      row('mapping', `${hexGrouped(iv.map.iova)} → ${hexGrouped(iv.map.pa)}`, `${iv.map.api}, ${iv.map.size} B (event ${iv.map.event + 1})`);
      row('→ PA', hexGrouped(iv.pa), iv.unmapped ? 'unmapped later in the run' : 'mapped', iv.unmapped ? 'bad' : 'ok');
    } else row('mapping', '—', 'no mapping of this address so far in the run');
    if (iv.walk) {
      for (const l of iv.walk.levels) row(`walk L${l.level}[${l.index}]`, hexGrouped(big(l.descriptor)), l.valid ? `→ ${hexGrouped(big(l.next))}` : 'invalid: the walk stops', l.valid ? '' : 'bad');
      row('walk output', hexGrouped(iv.walk.out), `walk of ${hexGrouped(iv.walk.iova)} (event ${iv.walk.event + 1})`);
    }
    return rows;
  }
}
