/**
 * The PAR / PAR_EL1 value an address translation instruction writes (Arm ARM D17 "PAR_EL1";
 * G8 "PAR", its 64-bit (LPAE) and 32-bit (short-descriptor) formats). AArch64 and an AArch32
 * guest with TTBCR.EAE=1 get the 64-bit format; TTBCR.EAE=0 the 32-bit one.
 */
import { faultStatusCode, type FaultInfo } from '../../mmu/fault';
import type { MemoryAttributes } from '../../mmu/memory-attributes';

/** PAR format: 'long' (PAR_EL1, or AArch32 PAR with LPAE=1), 'short' (AArch32 32-bit PAR, LPAE=0). */
export type ParFormat = 'long' | 'short';

/** Short-descriptor FS[4:0] of a fault (the DFSR encoding); supplied by the caller that owns it. */
export type ShortFaultStatus = (f: Pick<FaultInfo, 'kind' | 'level'>) => number;

const TWO32 = 2 ** 32;
/** PAR_EL1 bit 11 is RES1 (D17 "PAR_EL1"); in the AArch32 64-bit PAR the same bit is LPAE = 1. */
const LONG_FORMAT = 1 << 11;

const DEVICE_ATTR = { nGnRnE: 0x00, nGnRE: 0x04, nGRE: 0x08, GRE: 0x0c } as const;
/** MAIR nibbles: Normal Non-cacheable, Write-Through and Write-Back, non-transient, read and write allocate. */
const NORMAL_NIBBLE = { nc: 0b0100, wt: 0b1011, wb: 0b1111 } as const;

/** PAR_EL1.ATTR: the attributes as a MAIR_EL1 byte. */
function mairAttr(a: MemoryAttributes): number {
  if (a.deviceType !== null) return DEVICE_ATTR[a.deviceType];
  return (NORMAL_NIBBLE[a.outerCacheable] << 4) | NORMAL_NIBBLE[a.innerCacheable];
}

/** PAR_EL1.SH: Device and Normal Non-cacheable report Outer Shareable (0b10). */
function shareability(a: MemoryAttributes): number {
  if (a.device || (a.innerCacheable === 'nc' && a.outerCacheable === 'nc')) return 0b10;
  return a.shareability === 'inner' ? 0b11 : a.shareability === 'outer' ? 0b10 : 0b00;
}

/** 32-bit PAR Inner[6:4]: 000 NC, 001 Strongly-ordered, 011 Device, 101 WB write-allocate, 110 WT. */
function shortInner(a: MemoryAttributes): number {
  if (a.deviceType !== null) return a.deviceType === 'nGnRnE' ? 0b001 : 0b011;
  return a.innerCacheable === 'wb' ? 0b101 : a.innerCacheable === 'wt' ? 0b110 : 0b000;
}

/** 32-bit PAR Outer[3:2]: 00 NC, 01 WB write-allocate, 10 WT. */
function shortOuter(a: MemoryAttributes): number {
  if (a.deviceType !== null) return 0b00;
  return a.outerCacheable === 'wb' ? 0b01 : a.outerCacheable === 'wt' ? 0b10 : 0b00;
}

/** PAR for a translation that succeeded with output address `oa` (the IPA: stage 1 only). */
export function parSuccess(format: ParFormat, oa: number, attrs: MemoryAttributes): readonly [number, number] {
  const hiAddress = Math.floor(oa / TWO32);
  const page = (oa - hiAddress * TWO32) & ~0xfff;
  if (format === 'long') {
    // PA[47:12] in bits [47:12], SH[8:7], ATTR[63:56]; NS[9] is UNKNOWN for a Non-secure regime: 0.
    return [(page | LONG_FORMAT | (shareability(attrs) << 7)) >>> 0, ((hiAddress & 0xffff) | (mairAttr(attrs) << 24)) >>> 0];
  }
  // PA[31:12], LPAE[11]=0, NOS[10] (inner shareable), SH[7], Inner[6:4], Outer[3:2], SS[1]=0 (no supersections
  // reported). Device and Strongly-ordered memory is shareable, reported as Outer Shareable as in the long format.
  const shared = attrs.device || attrs.shareability !== 'non';
  const nos = !attrs.device && attrs.shareability === 'inner' ? 1 << 10 : 0;
  return [(page | nos | (shared ? 1 << 7 : 0) | (shortInner(attrs) << 4) | (shortOuter(attrs) << 2)) >>> 0, 0];
}

/**
 * PAR for a stage 1 fault: F=1, the fault status, S (FSTAGE) = 0 and PTW (S2WLK) = 0, since stage 2
 * faults on the walk are taken to EL2 and never reach PAR. Long: FST[6:1] as DFSC. Short: FS[6:1]
 * holds DFSR bits {12, 10, 3:0}, i.e. ExT, FS[4], FS[3:0].
 */
export function parFault(format: ParFormat, fault: FaultInfo, shortStatus: ShortFaultStatus): readonly [number, number] {
  if (format === 'long') return [(1 | (faultStatusCode(fault) << 1) | LONG_FORMAT) >>> 0, 0];
  // ExT (bit 6) classifies external aborts IMPLEMENTATION DEFINED ways; this model reports 0.
  const fs = shortStatus(fault) & 0x1f;
  return [(1 | ((fs & 0xf) << 1) | ((fs >> 4) << 5)) >>> 0, 0];
}
