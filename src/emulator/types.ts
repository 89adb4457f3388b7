// Public types of the emulator. Kept free of node and DOM types: the webview
// (browser tsconfig) imports them as well as the CLI.

/** CPU architecture of the modelled machine. */
export type Arch = 'arm64' | 'arm32' | 'arm32-lpae' | 'x86_64';
/** Which IOMMU (if any) sits in front of the device. */
export type IommuKind = 'none' | 'smmuv3' | 'smmuv2' | 'amd' | 'intel';
/** The device's IOMMU domain type (include/linux/iommu.h), or 'none' without an IOMMU group. */
export type DomainType = 'none' | 'dma' | 'dma-fq' | 'identity' | 'blocked' | 'unmanaged';
/**
 * Kernel era, which decides what iommu_iova_to_phys() returns and the arm64 layout:
 * '2017'    arm-smmu before bdf95923086f (identity domain → 0), pre-5.4 arm64 layout;
 * 'patched' after bdf95923086f until v5.14 (identity → IOVA in the driver), pre-5.4 layout;
 * '5.4'     v5.4..v5.14: flipped arm64 layout; on Intel VT-d it stands for v5.3..v5.5 (the x86-intel-5.4
 *           preset): iova_to_phys drops the in-page offset in the whole era (fixed by 77a1bce84bba, v5.6);
 * '6.12'    the core short-cut of 13b6eb6e1c98 (IDENTITY → IOVA, BLOCKED → 0).
 */
export type Era = '2017' | 'patched' | '5.4' | '6.12';
/** SWIOTLB: no pool ('off' = swiotlb=noforce), pool used when needed ('on'), every dma-direct map bounces ('force'). */
export type SwiotlbMode = 'off' | 'on' | 'force';

export interface Platform {
  /** Preset name, followed by the overrides applied to it (canonical spec string). */
  name: string;
  arch: Arch;
  pageSize: number;
  iommu: IommuKind;
  domain: DomainType;
  era: Era;
  /** dma-ranges offset = cpu_start - dma_start (DMA address = PA - dmaOffset). 0n: no dma-ranges. */
  dmaOffset: bigint;
  swiotlb: SwiotlbMode;
  /** Untrusted (external-facing) PCI device: dma-iommu bounces sub-granule buffers. */
  untrusted: boolean;
}

export interface PlatformPreset extends Platform {
  description: string;
  /** Scenario ids whose platform this preset is. */
  scenarios: string[];
}

export type Outcome =
  | 'correct'
  | 'wrong-page'
  | 'bounce-slot'
  | 'null'
  | 'fault'
  | 'leak'
  | 'map-error'
  | 'stale-iotlb';

/** Outcome words in the order they are reported. */
export const OUTCOMES: readonly Outcome[] = [
  'correct', 'wrong-page', 'bounce-slot', 'null', 'fault', 'leak', 'map-error', 'stale-iotlb',
];

export interface WalkLevel {
  level: number;
  index: number;
  /** The 64-bit descriptor read at this level (0n = invalid). */
  descriptor: bigint;
  /** PA of the next-level table, or the output address for a leaf, or 0n when the walk stops. */
  next: bigint;
}

/** Fields every event may carry. `note` is a one-line explanation for people. */
interface EventBase {
  note?: string;
  /** Index of the chain step (generic program) or program phase that caused it. */
  step?: number;
}

export type EmuEvent =
  // (An IOVA range from the IOVA allocator has `iova` and no `pa`: it is no physical address.)
  | (EventBase & { op: 'alloc'; what: string; pa: bigint | null; iova?: bigint; va: bigint | null; size: number; page: bigint | null })
  | (EventBase & { op: 'free'; what: string; pa: bigint; size: number })
  | (EventBase & { op: 'map'; api: string; pa: bigint; iova: bigint; size: number; pte: bigint | null })
  | (EventBase & { op: 'unmap'; api: string; iova: bigint; size: number })
  | (EventBase & { op: 'walk'; iova: bigint; levels: WalkLevel[]; out: bigint })
  | (EventBase & { op: 'translate'; fn: string; in: bigint; out: bigint })
  | (EventBase & { op: 'bounce'; dir: 'to-slot' | 'from-slot'; slot: number; orig: bigint; tlb: bigint; size: number })
  | (EventBase & { op: 'page-get'; page: bigint; pfn: bigint; count: number })
  | (EventBase & { op: 'page-put'; page: bigint; pfn: bigint; count: number })
  | (EventBase & { op: 'fault'; who: 'cpu' | 'device' | 'smmu' | 'kernel'; addr: bigint; event: string });

export type EventOp = EmuEvent['op'];

/**
 * The code tests a chain step's result for 0 and goes no further when it is
 * (`if (phys_addr) put_page(virt_to_page(phys_to_virt(phys_addr)));`, or
 * `if (!phys_addr) return NULL;` before the rest): `step` indexes the chain
 * (1 = the first step after the source). The checker finds it around a
 * finding's use; the chain program honours it.
 */
export interface ChainGuard {
  step: number;
}

export interface Truth {
  /** PA of the buffer the driver really allocated (where the packet is). */
  pa: bigint | null;
  /** Its kernel VA (linear map, or the vmalloc/remap VA the driver holds). */
  va: bigint | null;
  /** Its struct page address. */
  page: bigint | null;
}

export interface RunResult {
  scenario: string | null;
  /** The named driver program that ran (programs.ts), when one did outside a scenario. */
  program?: string | null;
  chain: string[];
  /** The chain program's test for 0, when it ran with one (ChainGuard). */
  guard?: ChainGuard;
  platform: Platform;
  outcome: Outcome[];
  truth: Truth;
  events: EmuEvent[];
  /**
   * A test the chain makes whose answer is the point (virt_addr_valid() of
   * coherent memory: true where dma-direct hands out the linear map, false
   * where dma-iommu remaps it): `virt_addr_valid() = false`.
   */
  answer?: string;
  /**
   * A chain program's value after each word of the chain (the source's, then
   * each step's), as hex; '—' for a step that gives no value (put-page,
   * cpu-access, dma-unmap, to-device), 'fault' where the run stopped, absent
   * past it; 'skipped' for the steps a guard's 0 skipped (ChainGuard). What
   * the hover's table shows per platform.
   */
  values?: string[];
}
