/**
 * What the vCPU's own untrapped system instructions reach: the caches and TLB of the physical CPU
 * it is on now, and the cache ID registers (the policy's virtual geometry when it traps them with
 * HCR.TID2, the pCPU's real one otherwise).
 */
import type { CacheSystem } from '../cache/cache-system';
import { HCR } from '../exec/el2-gate';
import type { CacheIdentification, InstructionCacheOp, SetWayOp, VaCacheOp } from '../exec/system-port';
import type { TranslatedMemory } from '../exec/translated-memory';
import { stage1FromSysregs } from '../exec/stage1-from-sysregs';
import type { AddressTranslationPort } from '../exec/sysregs/system-registers';
import { parFault, parSuccess } from '../exec/sysregs/par';
import { MemoryAbort } from '../mmu/fault';
import { shortDescriptorFaultStatus } from './guest-abort-registers';
import type { Vcpu } from './vcpu';

export class VcpuSystemPort implements AddressTranslationPort {
  readonly cacheId: CacheIdentification;

  constructor(
    private readonly vcpu: Vcpu,
    private readonly memory: TranslatedMemory,
    private readonly caches: CacheSystem,
  ) {
    // The policy's virtual geometry when it traps the ID registers (HCR.TID2), else the pCPU's own.
    const virtual = (): CacheIdentification | undefined =>
      (vcpu.hcrValue & HCR.TID2) !== 0 ? vcpu.policy.virtualCacheId?.() : undefined;
    this.cacheId = {
      clidr: () => virtual()?.clidr() ?? caches.clidr(memory.pcpu),
      ccsidr: (csselr) => virtual()?.ccsidr(csselr) ?? caches.ccsidr(memory.pcpu, csselr),
      ctr: () => virtual()?.ctr() ?? caches.ctr(memory.pcpu),
    };
  }

  dataCacheSetWay(op: SetWayOp, operand: number): void {
    this.vcpu.noteSetWay(op, operand, false);
    this.caches.setWay(this.memory.pcpu, op, operand);
  }

  dataCacheByVa(op: VaCacheOp, va: number): void {
    if (op === 'zva') {
      // DC ZVA writes zeros like a store (C5.3 "DC ZVA"): through the translation for a write,
      // with the block's memory attributes: an Alignment fault on any Device memory, the caches
      // for Normal Write-Back, memory itself for Normal Non-cacheable (no allocation, no snoop).
      const t = this.memory.translator.translate(va, 'write', this.memory.currentEl());
      const pa = t.pa;
      if (t.attrs.device) throw new MemoryAbort({ kind: 'alignment', stage: 1, level: -1, access: 'write', va, ipa: t.ipa, s1ptw: false });
      const bytes = this.caches.geometry.zvaBlockBytes;
      const base = pa - (pa % bytes);
      if (t.cacheable) this.caches.byAddress(this.memory.pcpu, 'zva', pa);
      else for (let off = 0; off < bytes; off += 4) this.memory.memory.write32(base + off, 0);
      const observer = this.memory.observer;
      if (observer !== null) {
        // The shadow records the zeros as stores.
        const vaBase = va - (pa - base);
        for (let off = 0; off < bytes; off += 4) observer.store(vaBase + off, base + off, 4, 0);
      }
      return;
    }
    this.caches.byAddress(this.memory.pcpu, op, this.memory.physicalAddress(va));
  }

  instructionCache(op: InstructionCacheOp, va: number): void {
    // Fetches read memory (translated-memory.ts): the cache model writes what sits at the PoU through.
    if (op === 'iallu' || op === 'ialluis') this.caches.instructionInvalidateAll(this.memory.pcpu, op === 'ialluis');
    else if (op === 'ivau') this.caches.instructionInvalidateByAddress(this.memory.pcpu, this.memory.physicalAddress(va));
  }

  /**
   * AT S1E1R/W, S1E0R/W and ATS1CPR/W, ATS1CUR/W: stage 1 of the current regime at EL1 or EL0 for
   * a read or write (D8 / G5 "Address translation instructions"). A stage 1 fault is reported in
   * PAR; a stage 2 fault on the walk propagates and is taken to EL2 (S1PTW=1, CM=1).
   */
  addressTranslate(op: string, va: number): readonly [number, number] {
    const el = op.includes('E0') || op.startsWith('ATS1CU') ? 0 : 1;
    const access = op.endsWith('W') ? 'write' : 'read';
    const translator = this.memory.translator;
    const format = translator.stage1.format === 'short' ? 'short' : 'long';
    try {
      const t = translator.translateStage1(va, access, el);
      return parSuccess(format, t.ipa, t.attrs);
    } catch (e) {
      if (e instanceof MemoryAbort && e.fault.stage === 1) return parFault(format, e.fault, shortDescriptorFaultStatus);
      throw e;
    }
  }

  tlbInvalidate(op: string, operand: number, operandHi: number): void {
    this.memory.translator.tlbMaintenance(op, operand, operandHi);
  }

  translationControlChanged(): void {
    this.memory.translator.setStage1(stage1FromSysregs(this.vcpu.sysregs, this.vcpu.aarch64));
  }
}
