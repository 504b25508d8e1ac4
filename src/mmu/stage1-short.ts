/**
 * Stage 1 walk with AArch32 short descriptors (TTBCR.EAE = 0): sections, supersections, small
 * and large pages, domains, AP/APX, XN/PXN, TEX/C/B with or without TEX remap.
 * Arm ARM G5.4 "The VMSAv8-32 Short-descriptor translation table format", G5.7 "Memory access
 * control" (domains, AP[2:0], the Access flag with SCTLR.AFE), G5.8 "Memory region attributes"
 * (TEX[2:0], C, B; PRRR/NMRR with SCTLR.TRE).
 */

import { type FaultAccess } from './fault';
import { CACHE, deviceCode, DEVICE, NORMAL_NC, normalCode, SHARE } from './memory-attributes';
import { SCTLR, type Stage1Regime } from './stage1-regime';
import { regionCacheability } from './stage1-long';
import { permissionBits, type Stage1Walk, stage1Fault, type TableReader } from './stage1-walk';

/** Inner/outer attribute of TEX[1:0] or C:B in the "1BB AA" encodings: 00 NC, 01 WB-WA, 10 WT, 11 WB (G5.8 Table "TEX, C, B"). */
function aaCacheability(bits: number): number {
  return bits === 0 ? CACHE.nc : bits === 2 ? CACHE.wt : CACHE.wb;
}

/**
 * TEX[2:0], C, B with SCTLR.TRE = 0 (G5.8 "Short-descriptor format memory region attributes,
 * without TEX remap"). Strongly-ordered is Device-nGnRnE and Device is Device-nGnRE in VMSAv8-32;
 * shareable Normal memory is Outer Shareable. Reserved encodings are taken as Normal NC.
 */
export function decodeTexCb(tex: number, c: number, b: number, s: number): number {
  const share = s ? SHARE.outer : SHARE.non;
  if (tex & 4) return normalCode(aaCacheability((c << 1) | b), aaCacheability(tex & 3), share);
  switch ((tex << 2) | (c << 1) | b) {
    case 0b00000:
      return deviceCode(DEVICE.nGnRnE); // Strongly-ordered
    case 0b00001:
    case 0b01000:
      return deviceCode(DEVICE.nGnRE); // Shareable / Non-shareable Device
    case 0b00010:
      return normalCode(CACHE.wt, CACHE.wt, share);
    case 0b00011:
    case 0b00111:
      return normalCode(CACHE.wb, CACHE.wb, share);
    default:
      return NORMAL_NC; // 0b00100 Non-cacheable; reserved encodings
  }
}

/**
 * TEX remap (SCTLR.TRE = 1; G5.8 "Short-descriptor format memory region attributes, with TEX
 * remap"; G8 "PRRR", "NMRR"): n = TEX[0]:C:B selects PRRR.TRn (00 Strongly-ordered, 01 Device,
 * 10 Normal, 11 reserved, taken as Normal), NMRR.IRn/ORn, and for Normal memory PRRR.NS0/NS1
 * (shareable when S = 0 / 1) and NOSn (1 Inner, 0 Outer Shareable).
 */
export function decodeRemapped(tex: number, c: number, b: number, s: number, prrr: number, nmrr: number): number {
  const n = ((tex & 1) << 2) | (c << 1) | b;
  const tr = (prrr >>> (2 * n)) & 3;
  if (tr === 0) return deviceCode(DEVICE.nGnRnE);
  if (tr === 1) return deviceCode(DEVICE.nGnRE);
  const inner = regionCacheability((nmrr >>> (2 * n)) & 3);
  const outer = regionCacheability((nmrr >>> (2 * n + 16)) & 3);
  const shareable = ((prrr >>> (s ? 19 : 18)) & 1) !== 0;
  const share = !shareable ? SHARE.non : ((prrr >>> (24 + n)) & 1) !== 0 ? SHARE.inner : SHARE.outer;
  return normalCode(inner, outer, share);
}

/** Walk attributes from TTBRn: IRGN = {bit 0, bit 6}, RGN [4:3], S [1], NOS [5] (G8 "TTBR0", Multiprocessing form). */
function walkAttributes(sctlr: number, ttbr: number): number {
  if ((sctlr & SCTLR.C) === 0) return NORMAL_NC;
  const irgn = ((ttbr & 1) << 1) | ((ttbr >>> 6) & 1);
  const rgn = (ttbr >>> 3) & 3;
  const share = (ttbr & 2) === 0 ? SHARE.non : (ttbr & (1 << 5)) !== 0 ? SHARE.inner : SHARE.outer;
  return normalCode(regionCacheability(irgn), regionCacheability(rgn), share);
}

/**
 * Permissions from AP[2:0] (G5.7 "Access permissions"). With SCTLR.AFE = 1, AP[0] is the Access
 * flag and AP[2:1] use the simplified model.
 */
function accessPermissions(apx: number, ap: number, afe: boolean, xn: boolean, pxn: boolean, sctlr: number): number {
  let pr = false;
  let pw = false;
  let ur = false;
  let uw = false;
  if (afe) {
    pr = true;
    pw = apx === 0;
    ur = (ap & 2) !== 0;
    uw = ur && apx === 0;
  } else {
    switch ((apx << 2) | ap) {
      case 0b001:
        pr = pw = true;
        break;
      case 0b010:
        pr = pw = ur = true;
        break;
      case 0b011:
        pr = pw = ur = uw = true;
        break;
      case 0b101:
        pr = true;
        break;
      case 0b110:
      case 0b111:
        pr = ur = true;
        break;
      default: // 0b000 no access; 0b100 reserved
        break;
    }
  }
  let ux = !xn;
  let px = !xn && !pxn;
  if ((sctlr & SCTLR.UWXN) !== 0 && uw) px = false;
  if ((sctlr & SCTLR.WXN) !== 0) {
    if (pw) px = false;
    if (uw) ux = false;
  }
  return permissionBits(pr, pw, px, ur, uw, ux);
}

/**
 * Walk the short-descriptor tables for a 32-bit `va`. Throws MemoryAbort (stage 1) for
 * Translation faults (level 1: section, level 2: page) and Access flag faults; returns the
 * domain and Client-domain permissions for the caller to check against DACR.
 */
export function walkShortDescriptor(r: Stage1Regime, va: number, access: FaultAccess, reader: TableReader, out: Stage1Walk): Stage1Walk {
  if (!(va >= 0 && va < 4294967296 && Number.isInteger(va))) stage1Fault('translation', 1, va, access);
  const n = r.tcrLo & 7;
  // G5.4 "Selecting between TTBR0 and TTBR1": TTBR0 when N = 0 or VA[31:32-N] are all zero.
  const useTtbr1 = n !== 0 && va >>> (32 - n) !== 0;
  if ((r.tcrLo & (useTtbr1 ? 1 << 5 : 1 << 4)) !== 0) stage1Fault('translation', 1, va, access); // TTBCR.PD1/PD0
  const ttbr = useTtbr1 ? r.ttbr1Lo : r.ttbr0Lo;
  const walkAttr = walkAttributes(r.sctlr, ttbr);
  const l1Base = useTtbr1 ? (ttbr & 0xffffc000) >>> 0 : (ttbr & ~((1 << (14 - n)) - 1)) >>> 0;
  const l1Index = useTtbr1 ? va >>> 20 : (va >>> 20) & ((1 << (12 - n)) - 1);
  const l1 = reader.read32(l1Base + l1Index * 4, walkAttr);
  const afe = (r.sctlr & SCTLR.AFE) !== 0;
  const tre = (r.sctlr & SCTLR.TRE) !== 0;
  const type = l1 & 3;
  if (type === 0) stage1Fault('translation', 1, va, access);

  let tex: number, c: number, b: number, s: number, apx: number, ap: number, xn: boolean, pxn: boolean, ng: boolean;
  let domain: number, level: number, blockSize: number, base: number;
  if (type === 1) {
    // Page table: base [31:10], domain [8:5], PXN [2].
    domain = (l1 >>> 5) & 15;
    const pxnTable = (l1 & 4) !== 0;
    const l2 = reader.read32(((l1 & 0xfffffc00) >>> 0) + ((va >>> 12) & 0xff) * 4, walkAttr);
    level = 2;
    if ((l2 & 3) === 0) stage1Fault('translation', 2, va, access, domain);
    if ((l2 & 3) === 1) {
      // Large page (64 KiB): B[2] C[3] AP[5:4] APX[9] S[10] nG[11] TEX[14:12] XN[15] base [31:16].
      blockSize = 0x10000;
      base = (l2 & 0xffff0000) >>> 0;
      tex = (l2 >>> 12) & 7;
      xn = (l2 & (1 << 15)) !== 0;
    } else {
      // Small page (4 KiB): XN[0] B[2] C[3] AP[5:4] TEX[8:6] APX[9] S[10] nG[11] base [31:12].
      blockSize = 0x1000;
      base = (l2 & 0xfffff000) >>> 0;
      tex = (l2 >>> 6) & 7;
      xn = (l2 & 1) !== 0;
    }
    b = (l2 >>> 2) & 1;
    c = (l2 >>> 3) & 1;
    ap = (l2 >>> 4) & 3;
    apx = (l2 >>> 9) & 1;
    s = (l2 >>> 10) & 1;
    ng = (l2 & (1 << 11)) !== 0;
    pxn = pxnTable;
  } else {
    // Section or supersection: PXN [0] when bits[1:0] = 0b11, B[2] C[3] XN[4] domain [8:5]
    // AP[11:10] TEX[14:12] APX[15] S[16] nG[17] supersection [18].
    level = 1;
    pxn = type === 3;
    b = (l1 >>> 2) & 1;
    c = (l1 >>> 3) & 1;
    xn = (l1 & (1 << 4)) !== 0;
    ap = (l1 >>> 10) & 3;
    tex = (l1 >>> 12) & 7;
    apx = (l1 >>> 15) & 1;
    s = (l1 >>> 16) & 1;
    ng = (l1 & (1 << 17)) !== 0;
    if ((l1 & (1 << 18)) !== 0) {
      // Supersection (16 MiB): PA[31:24] in [31:24], PA[35:32] in [23:20], PA[39:36] in [8:5]; domain 0.
      blockSize = 0x1000000;
      base = ((l1 & 0xff000000) >>> 0) + ((l1 >>> 20) & 15) * 2 ** 32 + ((l1 >>> 5) & 15) * 2 ** 36;
      domain = 0;
    } else {
      blockSize = 0x100000;
      base = (l1 & 0xfff00000) >>> 0;
      domain = (l1 >>> 5) & 15;
    }
  }
  // With SCTLR.AFE = 1, AP[0] = 0 is an Access flag fault (G5.7 "The Access flag").
  if (afe && (ap & 1) === 0) stage1Fault('access-flag', level, va, access, domain);

  const offset = va % blockSize;
  out.ipa = base + offset;
  out.level = level;
  out.blockSize = blockSize;
  out.blockVa = va - offset;
  out.attrCode = tre ? decodeRemapped(tex, c, b, s, r.prrr, r.nmrr) : decodeTexCb(tex, c, b, s);
  out.perms = accessPermissions(apx, ap, afe, xn, pxn, r.sctlr);
  out.global = !ng;
  out.domain = domain;
  return out;
}
