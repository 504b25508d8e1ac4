/**
 * Stage-1 tables the host writes for a guest before it calls a function in it (the harness
 * plays the part of the boot code that ran before): RAM identity-mapped as Normal Write-Back,
 * plus, for AArch32, an extra window mapping an image's link addresses (a kernel at 0xC0xxxxxx)
 * onto the IPAs it was loaded at.
 */
import { SysReg } from '../exec/sysregs/ids';
import type { Machine } from '../hyp/machine';
import type { Vcpu } from '../hyp/vcpu';
import type { Vm } from '../hyp/vm';

const SECTION = 1 << 20;

/** Short-descriptor section: Normal, Outer and Inner Write-Back Write-Allocate (TEX=001 C=1 B=1), S=1, AP=0b11, domain 0 (G5, "Short-descriptor translation table format"). */
function normalSection(ipa: number): number {
  return ((ipa & 0xfff00000) | (1 << 16) | (0b11 << 10) | (0b001 << 12) | (1 << 3) | (1 << 2) | 0b10) >>> 0;
}

export interface ExtraWindow {
  readonly va: number;
  readonly ipa: number;
  readonly bytes: number;
}

/** AArch32: a 16 KiB L1 table at `tableIpa`; TTBR0, TTBCR=0 and DACR (all domains Client) set; SCTLR untouched. */
export function installShortDescriptorTables(machine: Machine, vm: Vm, vcpu: Vcpu, tableIpa: number, windows: readonly ExtraWindow[]): void {
  const write = (index: number, desc: number) => machine.memory.write32(vm.ipaToPa(tableIpa + index * 4), desc);
  for (let ipa = vm.ramIpa; ipa < vm.ramIpa + vm.ramBytes; ipa += SECTION) write(ipa / SECTION, normalSection(ipa));
  for (const w of windows) {
    for (let off = 0; off < w.bytes; off += SECTION) write((w.va + off) / SECTION, normalSection(w.ipa + off));
  }
  const regs = vcpu.sysregs;
  regs.set(SysReg.TTBR0, tableIpa >>> 0, 0);
  regs.set(SysReg.TTBCR, 0);
  regs.set(SysReg.DACR, 0x55555555);
}

/**
 * AArch64: TCR_EL1.T0SZ = 32 (a 4 GiB VA space, lookup from level 1), 4 KB granule, EPD1 = 1;
 * MAIR_EL1 Attr0 = Device-nGnRnE, Attr1 = Normal Write-Back; level-1 1 GiB blocks map the RAM's
 * GiB identity (D8.3, "Translation table descriptor formats").
 */
export function installA64Tables(machine: Machine, vm: Vm, vcpu: Vcpu, tableIpa: number): void {
  const gib = 2 ** 30;
  for (let ipa = Math.floor(vm.ramIpa / gib) * gib; ipa < vm.ramIpa + vm.ramBytes; ipa += gib) {
    // Block: [1:0]=01, AttrIndx[4:2]=1, AP[7:6]=00 (EL1 RW), SH[9:8]=11, AF[10]=1.
    const lo = (ipa | (1 << 10) | (0b11 << 8) | (1 << 2) | 0b01) >>> 0;
    const at = vm.ipaToPa(tableIpa + (ipa / gib) * 8);
    machine.memory.write32(at, lo);
    machine.memory.write32(at + 4, 0);
  }
  const regs = vcpu.sysregs;
  regs.set(SysReg.MAIR_EL1, 0xff00, 0);
  regs.set(SysReg.TCR_EL1, (32 | (1 << 23)) >>> 0, 0);
  regs.set(SysReg.TTBR0_EL1, tableIpa >>> 0, 0);
}
