/**
 * Static relocations for EM_AARCH64 objects (ELF for the Arm 64-bit Architecture, AAELF64,
 * "Static AArch64 relocations"): X = S + A, Page(x) = x & ~0xFFF. Values are plain numbers:
 * addresses here stay far below 2^53.
 */
import { checkRange, read32, relocationError, write32, type RelocationSite } from './relocation-site';

export const AArch64Relocation = {
  NONE: 0,
  NONE_ALT: 256, // withdrawn alternative number for R_AARCH64_NONE
  ABS64: 257,
  ABS32: 258,
  ABS16: 259,
  PREL64: 260,
  PREL32: 261,
  PREL16: 262,
  MOVW_UABS_G0: 263,
  MOVW_UABS_G0_NC: 264,
  MOVW_UABS_G1: 265,
  MOVW_UABS_G1_NC: 266,
  MOVW_UABS_G2: 267,
  MOVW_UABS_G2_NC: 268,
  MOVW_UABS_G3: 269,
  LD_PREL_LO19: 273,
  ADR_PREL_LO21: 274,
  ADR_PREL_PG_HI21: 275,
  ADR_PREL_PG_HI21_NC: 276,
  ADD_ABS_LO12_NC: 277,
  LDST8_ABS_LO12_NC: 278,
  TSTBR14: 279,
  CONDBR19: 280,
  JUMP26: 282,
  CALL26: 283,
  LDST16_ABS_LO12_NC: 284,
  LDST32_ABS_LO12_NC: 285,
  LDST64_ABS_LO12_NC: 286,
  LDST128_ABS_LO12_NC: 299,
} as const;

export const aarch64RelocationNames: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(AArch64Relocation).map(([name, type]) => [type, `R_AARCH64_${name === 'NONE_ALT' ? 'NONE' : name}`]),
);

const R = AArch64Relocation;
const TWO_32 = 2 ** 32;

function page(x: number): number {
  return Math.floor(x / 4096) * 4096;
}

/** Replace bits [lsb + width - 1 : lsb] of the instruction word with `value`. */
function patchField(site: RelocationSite, lsb: number, width: number, value: number): void {
  const mask = width >= 32 ? 0xffffffff : ((1 << width) - 1) >>> 0;
  const insn = read32(site);
  write32(site, ((insn & ~(mask << lsb)) | ((value & mask) << lsb)) >>> 0);
}

/** ADR/ADRP immediate: immlo in [30:29], immhi in [23:5] (Arm ARM C6 "ADR", "ADRP"). */
function patchAdrImmediate(site: RelocationSite, imm21: number): void {
  const insn = read32(site);
  const immlo = imm21 & 3;
  const immhi = (imm21 >>> 2) & 0x7ffff;
  write32(site, ((insn & 0x9f00001f) | (immlo << 29) | (immhi << 5)) >>> 0);
}

export function applyAArch64Relocation(type: number, site: RelocationSite): void {
  if (site.explicitAddend === undefined && type !== R.NONE && type !== R.NONE_ALT) {
    throw relocationError(site, 'AArch64 relocations in SHT_REL sections are not supported (use SHT_RELA)');
  }
  const X = site.symbol + (site.explicitAddend ?? 0);
  const P = site.place;
  const name = aarch64RelocationNames[type] ?? 'R_AARCH64_?';
  switch (type) {
    case R.NONE:
    case R.NONE_ALT:
      return;
    case R.ABS64:
    case R.PREL64: {
      const v = type === R.ABS64 ? X : X - P;
      write32(site, v >>> 0);
      write32(site, Math.floor(v / TWO_32) >>> 0, 4);
      return;
    }
    case R.ABS32:
    case R.PREL32: {
      const v = type === R.ABS32 ? X : X - P;
      checkRange(site, name, v, -(2 ** 31), type === R.ABS32 ? TWO_32 : 2 ** 31);
      write32(site, v >>> 0);
      return;
    }
    case R.ABS16:
    case R.PREL16: {
      const v = type === R.ABS16 ? X : X - P;
      checkRange(site, name, v, -(2 ** 15), type === R.ABS16 ? 2 ** 16 : 2 ** 15);
      const lo = read32(site);
      write32(site, ((lo & 0xffff0000) | (v & 0xffff)) >>> 0);
      return;
    }
    case R.MOVW_UABS_G0:
    case R.MOVW_UABS_G0_NC:
    case R.MOVW_UABS_G1:
    case R.MOVW_UABS_G1_NC:
    case R.MOVW_UABS_G2:
    case R.MOVW_UABS_G2_NC:
    case R.MOVW_UABS_G3: {
      // MOVZ/MOVK imm16 in [20:5]; group n takes X[16n+15:16n]. The checked forms need X < 2^(16(n+1)).
      const group = type === R.MOVW_UABS_G3 ? 3 : (type - R.MOVW_UABS_G0) >>> 1;
      const checked = type === R.MOVW_UABS_G3 || (type - R.MOVW_UABS_G0) % 2 === 0;
      if (checked) checkRange(site, name, X, 0, group === 3 ? 2 ** 64 : 2 ** (16 * (group + 1)));
      patchField(site, 5, 16, Math.floor(X / 2 ** (16 * group)) & 0xffff);
      return;
    }
    case R.LD_PREL_LO19:
    case R.CONDBR19: {
      const v = X - P;
      checkRange(site, name, v, -(2 ** 20), 2 ** 20, 4);
      patchField(site, 5, 19, v >> 2);
      return;
    }
    case R.TSTBR14: {
      const v = X - P;
      checkRange(site, name, v, -(2 ** 15), 2 ** 15, 4);
      patchField(site, 5, 14, v >> 2);
      return;
    }
    case R.JUMP26:
    case R.CALL26: {
      // B/BL imm26 in [25:0], offset = imm26 * 4 (Arm ARM C6 "B", "BL").
      const v = X - P;
      checkRange(site, name, v, -(2 ** 27), 2 ** 27, 4);
      patchField(site, 0, 26, v >> 2);
      return;
    }
    case R.ADR_PREL_LO21: {
      const v = X - P;
      checkRange(site, name, v, -(2 ** 20), 2 ** 20);
      patchAdrImmediate(site, v);
      return;
    }
    case R.ADR_PREL_PG_HI21:
    case R.ADR_PREL_PG_HI21_NC: {
      const pages = (page(X) - page(P)) / 4096;
      if (type === R.ADR_PREL_PG_HI21) checkRange(site, name, pages, -(2 ** 20), 2 ** 20);
      patchAdrImmediate(site, pages & 0x1fffff);
      return;
    }
    case R.ADD_ABS_LO12_NC:
    case R.LDST8_ABS_LO12_NC:
    case R.LDST16_ABS_LO12_NC:
    case R.LDST32_ABS_LO12_NC:
    case R.LDST64_ABS_LO12_NC:
    case R.LDST128_ABS_LO12_NC: {
      // imm12 in [21:10], scaled by the access size for loads and stores.
      const shift =
        type === R.LDST16_ABS_LO12_NC ? 1 : type === R.LDST32_ABS_LO12_NC ? 2 : type === R.LDST64_ABS_LO12_NC ? 3 : type === R.LDST128_ABS_LO12_NC ? 4 : 0;
      const lo12 = X - page(X);
      if (lo12 % (1 << shift) !== 0) {
        throw relocationError(site, `${name}: address 0x${X.toString(16)} is not aligned to the ${1 << shift}-byte access`);
      }
      patchField(site, 10, 12, lo12 >>> shift);
      return;
    }
    default:
      throw relocationError(site, `unsupported relocation ${name} (type ${type})`);
  }
}
