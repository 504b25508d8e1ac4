/** A small machine for the mmu tests: RAM, a hypervisor frame region, one p2m, a TLB and a translator. */

import { FrameAllocator } from '../../src/mmu/frame-allocator';
import { MemoryAbort, type FaultInfo } from '../../src/mmu/fault';
import { P2m, type P2mOptions } from '../../src/mmu/p2m';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';
import { stage2RegimeFor } from '../../src/mmu/stage2-regime';
import { Tlb } from '../../src/mmu/tlb';
import { Translator } from '../../src/mmu/translator';

export const HYP_BASE = 2 ** 40;

export function makeMachine(opts: P2mOptions = {}) {
  const mem = new PhysicalMemory([
    { base: 0, size: 2 ** 36 },
    { base: HYP_BASE, size: 2 ** 26 },
  ]);
  const frames = new FrameAllocator(mem, HYP_BASE, 2 ** 26);
  const p2m = new P2m(mem, frames, opts);
  const tlb = new Tlb();
  const descriptorReads: { pa: number; cacheable: boolean }[] = [];
  const translator = new Translator(mem, tlb, (pa, cacheable) => {
    descriptorReads.push({ pa, cacheable });
    return mem.read32(pa);
  });
  translator.setStage2(stage2RegimeFor(p2m));
  /** Write a 32-bit word at a guest IPA (through the p2m, as a loader would). */
  const writeIpa32 = (ipa: number, value: number): void => {
    const leaf = p2m.lookup(ipa);
    if (leaf === null) throw new Error(`test: IPA 0x${ipa.toString(16)} is not mapped`);
    mem.write32(leaf.pa, value >>> 0);
  };
  const writeIpa64 = (ipa: number, lo: number, hi = 0): void => {
    writeIpa32(ipa, lo);
    writeIpa32(ipa + 4, hi);
  };
  return { mem, frames, p2m, tlb, translator, descriptorReads, writeIpa32, writeIpa64, S2_NORMAL_RW };
}

/** The FaultInfo `fn` throws as a MemoryAbort (fails the test if it does not throw one). */
export function faultOf(fn: () => unknown): FaultInfo {
  try {
    fn();
  } catch (e) {
    if (e instanceof MemoryAbort) return e.fault;
    throw e;
  }
  throw new Error('expected a MemoryAbort');
}
