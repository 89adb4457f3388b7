// SPDX-License-Identifier: MIT
// The platform picker: a preset plus arch / page size / IOMMU / domain /
// era / dma-ranges offset / SWIOTLB / untrusted. Any change builds the
// platform spec (SPEC §2 syntax) and asks for a re-run of the program.
import type { PlatformInfo } from '../protocol/emulator-messages';
import {
  adjustFields, ARCH_VALUES, DOMAIN_VALUES, ERA_VALUES, fieldsOf, IOMMU_VALUES, PAGE_VALUES, parseAddress, platformSpec, SWIOTLB_VALUES,
  type PlatformFields,
} from '../protocol/view-model';
import { $, option, setText } from './dom';

const sel = (id: string) => $<HTMLSelectElement>(id);

export class PlatformPicker {
  private presets: PlatformInfo[] = [];
  private preset = '';
  private fields: PlatformFields | null = null;

  constructor(private readonly onChange: (spec: string) => void) {
    sel('pf-arch').replaceChildren(...ARCH_VALUES.map((v) => option(v, v)));
    sel('pf-page').replaceChildren(...PAGE_VALUES.map((v) => option(String(v), `${v / 1024}K`)));
    sel('pf-iommu').replaceChildren(...IOMMU_VALUES.map((v) => option(v, { none: 'none', smmuv2: 'SMMUv2', smmuv3: 'SMMUv3', intel: 'Intel VT-d', amd: 'AMD-Vi' }[v])));
    sel('pf-domain').replaceChildren(...DOMAIN_VALUES.map((v) => option(v, v === 'none' ? 'none' : v.toUpperCase().replace('-', '_'))));
    sel('pf-era').replaceChildren(...ERA_VALUES.map((v) => option(v, { '2017': '2017 (before the patch)', patched: 'after the patch', '5.4': '5.4', '6.12': '6.12' }[v])));
    sel('pf-swiotlb').replaceChildren(...SWIOTLB_VALUES.map((v) => option(v, v === 'force' ? 'force' : v === 'on' ? 'when needed' : 'off')));
    sel('pf-preset').addEventListener('change', () => {
      this.preset = sel('pf-preset').value;
      const p = this.presets.find((x) => x.name === this.preset);
      if (p) { this.fields = fieldsOf(p as unknown as Record<string, unknown>); this.show(); }
      this.emit();
    });
    const bind = (id: string, key: keyof PlatformFields, read: () => PlatformFields[keyof PlatformFields]) => {
      $(id).addEventListener('change', () => {
        if (!this.fields) return;
        this.fields = adjustFields({ ...this.fields, [key]: read() } as PlatformFields, key);
        this.show();
        this.emit();
      });
    };
    bind('pf-arch', 'arch', () => sel('pf-arch').value);
    bind('pf-page', 'pageSize', () => Number(sel('pf-page').value));
    bind('pf-iommu', 'iommu', () => sel('pf-iommu').value);
    bind('pf-domain', 'domain', () => sel('pf-domain').value);
    bind('pf-era', 'era', () => sel('pf-era').value);
    bind('pf-swiotlb', 'swiotlb', () => sel('pf-swiotlb').value);
    bind('pf-untrusted', 'untrusted', () => $<HTMLInputElement>('pf-untrusted').checked);
    const off = $<HTMLInputElement>('pf-offset');
    off.addEventListener('change', () => {
      if (!this.fields) return;
      if (parseAddress(off.value || '0') === null) {
        off.setAttribute('aria-invalid', 'true');
        setText($('error'), `dma-ranges offset: '${off.value}' is not a hex number`);
        return;
      }
      off.removeAttribute('aria-invalid');
      this.fields = { ...this.fields, dmaOffset: off.value || '0x0' };
      this.emit();
    });
  }

  setPresets(presets: PlatformInfo[]): void {
    this.presets = presets;
    sel('pf-preset').replaceChildren(...presets.map((p) => {
      const o = option(p.name, p.name);
      o.title = p.description;
      return o;
    }));
  }

  /** Shows the platform of the run on screen. */
  showRun(platform: Record<string, unknown> & { name: string }): void {
    this.preset = platform.name.split(',')[0];
    this.fields = fieldsOf(platform);
    this.show();
  }

  private show(): void {
    if (!this.fields) return;
    const f = this.fields;
    sel('pf-preset').value = this.preset;
    sel('pf-arch').value = f.arch;
    sel('pf-page').value = String(f.pageSize);
    sel('pf-iommu').value = f.iommu;
    sel('pf-domain').value = f.domain;
    sel('pf-era').value = f.era;
    sel('pf-swiotlb').value = f.swiotlb;
    $<HTMLInputElement>('pf-untrusted').checked = f.untrusted;
    $<HTMLInputElement>('pf-offset').value = f.dmaOffset;
    $('pf-offset').removeAttribute('aria-invalid');
  }

  private emit(): void {
    const base = this.presets.find((p) => p.name === this.preset);
    if (!base || !this.fields) return;
    this.onChange(platformSpec(this.preset, fieldsOf(base as unknown as Record<string, unknown>), this.fields));
  }
}
