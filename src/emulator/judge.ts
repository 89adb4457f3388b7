// Judging a result against the truth (the buffer the driver really allocated).

import type { Machine } from './machine';
import type { Outcome } from './types';

export interface Buffer {
  pfn: bigint;
  offset: number;
  size: number;
  /** The packet's content label, to check what a CPU read sees. */
  label: string;
}

/**
 * Classifies a PA the code ended up using: the buffer (null = fine), a bounce slot, another RAM page,
 * or nothing. With `exact`, an address in the right page but outside the buffer (another buffer
 * carved from the same page) also counts as the wrong page: the data read is someone else's.
 */
export function classifyPa(m: Machine, pa: bigint, buf: Buffer, exact = false): Outcome | null {
  if (pa >> m.cpu.pageShift === buf.pfn) {
    if (!exact) return null;
    const start = (buf.pfn << m.cpu.pageShift) + BigInt(buf.offset);
    return pa >= start && pa < start + BigInt(buf.size) ? null : 'wrong-page';
  }
  // A lookup's 0 is "no answer" — unless PA 0 is RAM (DRAM from 0, as on ThunderX-class machines):
  // then code that goes on with it uses that page (facts §8 S2).
  if (pa === 0n && !m.mem.isRam(0n)) return 'null';
  if (m.swiotlb && m.swiotlb.isSwiotlbBuffer(pa)) return 'bounce-slot';
  if (m.mem.isRam(pa)) return 'wrong-page';
  return 'fault';
}

export function bufferPa(m: Machine, b: Buffer): bigint { return (b.pfn << m.cpu.pageShift) + BigInt(b.offset); }
