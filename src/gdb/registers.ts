/**
 * The registers GDB sees per instruction set, in the order of the `g` packet, and their values
 * from a vCPU. The numbering is the one GDB's own descriptions use for these features (GDB manual,
 * "Standard Target Features": "ARM Features", "AArch64 Features"): org.gnu.gdb.arm.core has r0-r12,
 * sp, lr, pc as registers 0-15 and cpsr as register 25 (the numbers between once belonged to the
 * FPA registers); org.gnu.gdb.aarch64.core has x0-x30, sp, pc, cpsr as registers 0-33.
 * Every value goes little-endian, as the target's registers are.
 */
import { A32Cpu } from '../exec/a32';
import { A64Cpu } from '../exec/a64';
import type { GuestCpu } from '../hyp/guest-cpu';

export type DebugIsa = 'a32' | 'a64';

export interface RegisterSlot {
  readonly name: string;
  readonly bits: 32 | 64;
  /** GDB's number for it (the `p` packet's argument). */
  readonly regnum: number;
  /** Target-description type when not a plain integer. */
  readonly type?: 'data_ptr' | 'code_ptr';
}

function slots(names: readonly string[], bits: 32 | 64): RegisterSlot[] {
  return names.map((name, regnum) => ({ name, bits, regnum }));
}

const A32_REGISTERS: readonly RegisterSlot[] = [
  ...slots(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12'], 32),
  { name: 'sp', bits: 32, regnum: 13, type: 'data_ptr' },
  { name: 'lr', bits: 32, regnum: 14 },
  { name: 'pc', bits: 32, regnum: 15, type: 'code_ptr' },
  { name: 'cpsr', bits: 32, regnum: 25 },
];

const A64_REGISTERS: readonly RegisterSlot[] = [
  ...slots(
    Array.from({ length: 31 }, (_, n) => `x${n}`),
    64,
  ),
  { name: 'sp', bits: 64, regnum: 31, type: 'data_ptr' },
  { name: 'pc', bits: 64, regnum: 32, type: 'code_ptr' },
  { name: 'cpsr', bits: 32, regnum: 33 },
];

export const REGISTER_LAYOUTS: Readonly<Record<DebugIsa, readonly RegisterSlot[]>> = { a32: A32_REGISTERS, a64: A64_REGISTERS };

const TWO_32 = 2 ** 32;

/** Split the executor's signed 64-bit address value (exact below 2^53 in magnitude) into halves. */
export function addressHalves(value: number): { lo: number; hi: number } {
  const hi = Math.floor(value / TWO_32);
  return { lo: (value - hi * TWO_32) >>> 0, hi: hi >>> 0 };
}

/** Every register of the layout as [lo, hi] words (hi 0 for 32-bit ones), in layout order. */
function registerWords(cpu: GuestCpu): [number, number][] {
  if (cpu instanceof A32Cpu) {
    const out: [number, number][] = [];
    // r[15] is the address of the next instruction between instructions (A32 or T32).
    for (let n = 0; n < 16; n++) out.push([cpu.r[n] >>> 0, 0]);
    out.push([cpu.cpsr >>> 0, 0]);
    return out;
  }
  if (cpu instanceof A64Cpu) {
    const out: [number, number][] = [];
    for (let n = 0; n < 31; n++) out.push([cpu.xLo(n) >>> 0, cpu.xHi(n) >>> 0]);
    out.push([cpu.spLo >>> 0, cpu.spHi >>> 0]);
    const pc = addressHalves(cpu.pc);
    out.push([pc.lo, pc.hi]);
    out.push([cpu.pstate >>> 0, 0]);
    return out;
  }
  throw new Error('gdb: the vCPU runs neither an A32Cpu nor an A64Cpu');
}

function littleEndianHex(word: number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += ((word >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
  return out;
}

/** One register's value as the `p` packet sends it, or null for a number the layout lacks. */
export function registerHex(isa: DebugIsa, cpu: GuestCpu, regnum: number): string | null {
  const layout = REGISTER_LAYOUTS[isa];
  const index = layout.findIndex((s) => s.regnum === regnum);
  if (index < 0) return null;
  return slotHex(layout[index], registerWords(cpu)[index]);
}

/** All registers as the `g` packet sends them. */
export function registersHex(isa: DebugIsa, cpu: GuestCpu): string {
  const words = registerWords(cpu);
  return REGISTER_LAYOUTS[isa].map((slot, i) => slotHex(slot, words[i])).join('');
}

function slotHex(slot: RegisterSlot, [lo, hi]: [number, number]): string {
  return slot.bits === 32 ? littleEndianHex(lo, 4) : littleEndianHex(lo, 4) + littleEndianHex(hi, 4);
}
