/**
 * The guest's stage-1 regime as the MMU needs it, read out of its system registers. Called when
 * the register model reports a translation-control change (SCTLR, TTBRn, TTBCR/TCR, MAIR/PRRR/
 * NMRR, DACR, CONTEXTIDR), never per access.
 */
import { stage1Regime, type Stage1Format, type Stage1Regime } from '../mmu/stage1-regime';
import { SysReg } from './sysregs/ids';
import type { SystemRegisters } from './sysregs/system-registers';

/** TTBCR.EAE, bit 31: the long-descriptor (LPAE) format (G8 "TTBCR"). */
const TTBCR_EAE = 1 << 31;

export function stage1FromSysregs(regs: SystemRegisters, aarch64: boolean): Stage1Regime {
  const tcrLo = regs.get(SysReg.TCR_EL1);
  const format: Stage1Format = aarch64 ? 'a64' : (tcrLo & TTBCR_EAE) !== 0 ? 'lpae' : 'short';
  return stage1Regime({
    format,
    sctlr: regs.get(SysReg.SCTLR),
    ttbr0Lo: regs.get(SysReg.TTBR0_EL1),
    ttbr0Hi: regs.getHigh(SysReg.TTBR0_EL1),
    ttbr1Lo: regs.get(SysReg.TTBR1_EL1),
    ttbr1Hi: regs.getHigh(SysReg.TTBR1_EL1),
    tcrLo,
    tcrHi: regs.getHigh(SysReg.TCR_EL1),
    mairLo: regs.get(SysReg.MAIR_EL1),
    mairHi: regs.getHigh(SysReg.MAIR_EL1),
    prrr: regs.get(SysReg.PRRR),
    nmrr: regs.get(SysReg.NMRR),
    dacr: regs.get(SysReg.DACR),
    contextidr: regs.get(SysReg.CONTEXTIDR),
  });
}
