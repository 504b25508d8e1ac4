/**
 * Static relocations for EM_ARM objects (ELF for the Arm Architecture, AAELF32, "Relocation
 * codes" and "Static Arm relocations"): S = symbol address, A = addend, P = place,
 * T = 1 for a Thumb function target. llvm-mc writes SHT_REL, so A is read from the field.
 */
import {
  checkRange,
  read16,
  read32,
  relocationError,
  signExtend,
  write16,
  write32,
  type RelocationSite,
} from './relocation-site';

export const ArmRelocation = {
  NONE: 0,
  ABS32: 2,
  REL32: 3,
  THM_CALL: 10,
  CALL: 28,
  JUMP24: 29,
  THM_JUMP24: 30,
  V4BX: 40,
  PREL31: 42,
  MOVW_ABS_NC: 43,
  MOVT_ABS: 44,
  THM_MOVW_ABS_NC: 47,
  THM_MOVT_ABS: 48,
} as const;

export const armRelocationNames: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ArmRelocation).map(([name, type]) => [type, `R_ARM_${name}`]),
);

const COND_AL = 0xe;
const COND_UNCONDITIONAL = 0xf; // the BLX (immediate) encoding space

/** A32 MOVW/MOVT: imm16 = imm4[19:16]:imm12[11:0] (Arm ARM F5 "MOV, MOVS (immediate)" A2, "MOVT" A1). */
function a32Imm16(insn: number): number {
  return ((insn >>> 4) & 0xf000) | (insn & 0xfff);
}
function withA32Imm16(insn: number, imm16: number): number {
  return ((insn & 0xfff0f000) | ((imm16 & 0xf000) << 4) | (imm16 & 0xfff)) >>> 0;
}

/** T32 MOVW/MOVT (T3/T1): imm16 = imm4:i:imm3:imm8 across the two halfwords. */
function t32Imm16(hw1: number, hw2: number): number {
  return ((hw1 & 0xf) << 12) | (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff);
}

/** T32 BL/BLX/B.W: imm32 = SignExtend(S:I1:I2:imm10:imm11:'0'), I1 = NOT(J1 XOR S), I2 = NOT(J2 XOR S). */
function t32BranchOffset(hw1: number, hw2: number): number {
  const s = (hw1 >>> 10) & 1;
  const i1 = ~((hw2 >>> 13) ^ s) & 1;
  const i2 = ~((hw2 >>> 11) ^ s) & 1;
  const raw = (s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3ff) << 12) | ((hw2 & 0x7ff) << 1);
  return signExtend(raw, 25);
}

function t32BranchFields(offset: number): { hw1: number; j1: number; j2: number; imm11: number } {
  const s = (offset >>> 24) & 1;
  const i1 = (offset >>> 23) & 1;
  const i2 = (offset >>> 22) & 1;
  return {
    hw1: 0xf000 | (s << 10) | ((offset >>> 12) & 0x3ff),
    j1: (~i1 ^ s) & 1,
    j2: (~i2 ^ s) & 1,
    imm11: (offset >>> 1) & 0x7ff,
  };
}

export function applyArmRelocation(type: number, site: RelocationSite): void {
  const S = site.symbol;
  const T = site.thumb;
  const P = site.place;
  const explicit = site.explicitAddend;
  switch (type) {
    case ArmRelocation.NONE:
    case ArmRelocation.V4BX: // marks a BX for v4 patching; nothing to do for v7
      return;
    case ArmRelocation.ABS32: {
      const A = explicit ?? read32(site) | 0;
      write32(site, (S + A) | T);
      return;
    }
    case ArmRelocation.REL32: {
      const A = explicit ?? read32(site) | 0;
      write32(site, ((S + A) | T) - P);
      return;
    }
    case ArmRelocation.PREL31: {
      const word = read32(site);
      const A = explicit ?? signExtend(word, 31);
      const value = ((S + A) | T) - P;
      checkRange(site, 'R_ARM_PREL31', value, -(2 ** 30), 2 ** 30);
      write32(site, ((word & 0x80000000) | (value & 0x7fffffff)) >>> 0);
      return;
    }
    case ArmRelocation.CALL:
    case ArmRelocation.JUMP24: {
      // A32 B/BL/BLX (immediate): imm32 = SignExtend(imm24:'00') (Arm ARM F5 "B", "BL, BLX (immediate)").
      const insn = read32(site);
      const A = explicit ?? signExtend((insn & 0xffffff) << 2, 26);
      const offset = ((S + A) | T) - P;
      const cond = insn >>> 28;
      const name = type === ArmRelocation.CALL ? 'R_ARM_CALL' : 'R_ARM_JUMP24';
      checkRange(site, name, offset, -(2 ** 25), 2 ** 25);
      if (T === 1) {
        // A Thumb target needs BLX (immediate), which only exists as a call.
        const isBl = cond === COND_AL && ((insn >>> 24) & 0xf) === 0xb;
        if (type !== ArmRelocation.CALL || !(isBl || cond === COND_UNCONDITIONAL)) {
          throw relocationError(site, `${name}: branch to Thumb function needs an interworking veneer`);
        }
        const h = (offset >>> 1) & 1;
        write32(site, (0xfa000000 | (h << 24) | ((offset >>> 2) & 0xffffff)) >>> 0);
        return;
      }
      checkRange(site, name, offset, -(2 ** 25), 2 ** 25, 4);
      if (cond === COND_UNCONDITIONAL) {
        if (type !== ArmRelocation.CALL) throw relocationError(site, `${name}: unexpected BLX instruction`);
        // BLX to Arm code becomes BL (AAELF32: R_ARM_CALL may change BL <-> BLX).
        write32(site, (0xeb000000 | ((offset >>> 2) & 0xffffff)) >>> 0);
        return;
      }
      write32(site, ((insn & 0xff000000) | ((offset >>> 2) & 0xffffff)) >>> 0);
      return;
    }
    case ArmRelocation.MOVW_ABS_NC: {
      const insn = read32(site);
      const A = explicit ?? signExtend(a32Imm16(insn), 16);
      write32(site, withA32Imm16(insn, ((S + A) | T) & 0xffff));
      return;
    }
    case ArmRelocation.MOVT_ABS: {
      const insn = read32(site);
      const A = explicit ?? signExtend(a32Imm16(insn), 16);
      write32(site, withA32Imm16(insn, ((S + A) >>> 16) & 0xffff));
      return;
    }
    case ArmRelocation.THM_MOVW_ABS_NC:
    case ArmRelocation.THM_MOVT_ABS: {
      const hw1 = read16(site);
      const hw2 = read16(site, 2);
      const A = explicit ?? signExtend(t32Imm16(hw1, hw2), 16);
      const v = type === ArmRelocation.THM_MOVW_ABS_NC ? ((S + A) | T) & 0xffff : ((S + A) >>> 16) & 0xffff;
      write16(site, (hw1 & 0xfbf0) | ((v >>> 12) & 0xf) | (((v >>> 11) & 1) << 10));
      write16(site, (hw2 & 0x8f00) | (((v >>> 8) & 7) << 12) | (v & 0xff), 2);
      return;
    }
    case ArmRelocation.THM_CALL:
    case ArmRelocation.THM_JUMP24: {
      const hw1 = read16(site);
      const hw2 = read16(site, 2);
      const A = explicit ?? t32BranchOffset(hw1, hw2);
      const name = type === ArmRelocation.THM_CALL ? 'R_ARM_THM_CALL' : 'R_ARM_THM_JUMP24';
      if (T === 0 && type === ArmRelocation.THM_CALL) {
        // Call to Arm code: BLX (immediate) T2, target = Align(PC, 4) + imm32 (Arm ARM F5 "BL, BLX").
        const offset = S + A - (P & ~3);
        checkRange(site, name, offset, -(2 ** 24), 2 ** 24, 4);
        const f = t32BranchFields(offset);
        write16(site, f.hw1);
        write16(site, 0xc000 | (f.j1 << 13) | (f.j2 << 11) | (f.imm11 & 0x7fe), 2);
        return;
      }
      if (T === 0) throw relocationError(site, `${name}: branch to Arm code needs an interworking veneer`);
      const offset = ((S + A) | T) - P;
      checkRange(site, name, offset - 1, -(2 ** 24), 2 ** 24, 2);
      const f = t32BranchFields(offset - 1);
      // Keep the instruction's form: BL (hw2[12] = 1, hw2[14] = 1) or B.W (hw2[14] = 0); a BLX becomes BL.
      const form = type === ArmRelocation.THM_CALL ? 0xd000 : hw2 & 0xd000;
      write16(site, f.hw1);
      write16(site, form | (f.j1 << 13) | (f.j2 << 11) | f.imm11, 2);
      return;
    }
    default:
      throw relocationError(site, `unsupported relocation ${armRelocationNames[type] ?? 'R_ARM_?'} (type ${type})`);
  }
}
