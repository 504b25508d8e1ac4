/**
 * What an AArch32 guest's abort handler reads: DFSR/DFAR for a Data Abort, IFSR/IFAR for a
 * Prefetch Abort, in the format TTBCR.EAE selects (Arm ARM G8 "DFSR", "IFSR"; short-descriptor
 * fault status encodings, G5 "Fault reporting"; long-descriptor ones as in DFSC).
 */
import type { GuestAbortInfo } from '../exec/a32/cpu';
import { SysReg } from '../exec/sysregs/ids';
import type { SystemRegisters } from '../exec/sysregs/system-registers';
import type { FaultInfo } from '../mmu/fault';

/** TTBCR.EAE, bit 31: long-descriptor translation tables and FSR format. */
const TTBCR_EAE = 0x8000_0000;
/** DFSR/IFSR.LPAE (bit 9), DFSR.WnR (bit 11). */
const FSR_LPAE = 1 << 9;
const DFSR_WNR = 1 << 11;

/** Short-descriptor FS[4:0] (level 1 = section, level 2 = page). */
export function shortDescriptorFaultStatus(f: Pick<FaultInfo, 'kind' | 'level'>): number {
  const page = f.level === 2;
  switch (f.kind) {
    case 'alignment':
      return 0b00001;
    case 'translation':
      return page ? 0b00111 : 0b00101;
    case 'access-flag':
      return page ? 0b00110 : 0b00011;
    case 'domain':
      return page ? 0b01011 : 0b01001;
    case 'permission':
      return page ? 0b01111 : 0b01101;
    default:
      return 0b01000; // synchronous external abort (short descriptors have no address size fault)
  }
}

/** The FSR value (without WnR) for `info` in the guest's current format. */
export function guestFaultStatusRegister(info: GuestAbortInfo, longDescriptor: boolean): number {
  if (longDescriptor) return FSR_LPAE | info.status;
  const fs = shortDescriptorFaultStatus(info.fault);
  const domain = info.fault.domain === undefined ? 0 : (info.fault.domain & 0xf) << 4;
  // FS[3:0] in bits [3:0], FS[4] in bit 10.
  return (fs & 0xf) | ((fs >> 4) << 10) | domain;
}

export function recordA32GuestAbort(sysregs: SystemRegisters, info: GuestAbortInfo): void {
  const fsr = guestFaultStatusRegister(info, (sysregs.get(SysReg.TTBCR) & TTBCR_EAE) !== 0);
  if (info.kind === 'data') {
    sysregs.set(SysReg.DFSR, (fsr | (info.write ? DFSR_WNR : 0)) >>> 0);
    sysregs.set(SysReg.DFAR, info.address >>> 0);
  } else {
    sysregs.set(SysReg.IFSR, fsr >>> 0);
    sysregs.set(SysReg.IFAR, info.address >>> 0);
  }
}
