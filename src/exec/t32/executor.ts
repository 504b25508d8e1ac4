/**
 * The T32 (Thumb) step of the AArch32 CPU: fetch one or two halfwords, decode for the current
 * ITSTATE (cached per halfword address), check the condition (the IT block's, or B<c>'s own),
 * run the handler (A32's for shared operations) with PC reading as the instruction's address + 4
 * (Align(PC, 4) for ADR and literal loads, Arm ARM F1 "Use of the PC"), then advance ITSTATE
 * (ITAdvance(), F1 "IT block state register, ITSTATE") unless the instruction or an exception
 * already set it.
 *
 * Syndromes of T32 instructions trapped to EL2: IL = 0 for a 16-bit encoding; for CV/COND the Arm
 * ARM (D17 "ESR_EL2", the CV field of the ISS encodings for WFx, MCR/MRC, MCRR/MRRC, SMC) lets a
 * T32 trap either report CV = 0 with COND UNKNOWN or CV = 1 with the condition that applied: setway
 * does the latter, the IT block's condition (ITSTATE[7:4]) inside one and AL outside, which is the
 * record's `cond` (the decoder fills it for the ITSTATE it decoded for) that `A32Cpu.cond` reports.
 */
import { A32Op } from '../../decode/a32/instruction';
import { decodeT32, isT32Wide } from '../../decode/t32/decoder';
import type { T32Instruction } from '../../decode/t32/instruction';
import type { A32Cpu } from '../a32/cpu';
import { HANDLERS as A32_HANDLERS } from '../a32/handlers';
import { t32Handlers, type T32Handler } from './handlers';

const CACHE_SIZE = 1 << 13;
const CACHE_MASK = CACHE_SIZE - 1;

function buildTable(): T32Handler[] {
  const table: T32Handler[] = A32_HANDLERS.slice() as T32Handler[];
  for (const [op, h] of Object.entries(t32Handlers)) table[Number(op)] = h;
  return table;
}

const HANDLERS = buildTable();
const UNDEFINED_HANDLER = A32Op.Undefined;

/** ITAdvance(): the next ITSTATE after an instruction of the block. */
export function itAdvance(it: number): number {
  return (it & 7) === 0 ? 0 : ((it & 0xe0) | ((it << 1) & 0x1f)) & 0xff;
}

export class T32Executor {
  private readonly cache: T32Instruction[];
  private readonly handlers = new Uint8Array(CACHE_SIZE);

  constructor() {
    const sentinel = decodeT32(0xffff, 0xffff);
    this.cache = new Array<T32Instruction>(CACHE_SIZE).fill(sentinel);
  }

  /** Execute one T32 instruction at `cpu.r[15]`. */
  step(cpu: A32Cpu): void {
    const r = cpu.r;
    const pc = r[15];
    cpu.current = pc;
    const memory = cpu.memory;
    const hw1 = memory.fetch16(pc >>> 0);
    const wide = isT32Wide(hw1);
    const word = wide ? ((hw1 << 16) | memory.fetch16((pc + 2) >>> 0)) >>> 0 : hw1;
    const it = cpu.itState;
    const slot = (pc >>> 1) & CACHE_MASK;
    let insn = this.cache[slot];
    if (insn.word !== word || insn.itState !== it) {
      insn = decodeT32(word >>> (wide ? 16 : 0), word & 0xffff, it);
      this.cache[slot] = insn;
      this.handlers[slot] = insn.kind === 'ok' ? insn.op : UNDEFINED_HANDLER;
    }
    cpu.currentInsn = insn;
    const cond = insn.cond;
    if (cond !== 14 && !cpu.conditionPassed(cond)) {
      r[15] = pc + insn.length;
      cpu.itState = itAdvance(it);
      cpu.instructionsRetired++;
      return;
    }
    r[15] = insn.alignPc ? (pc + 4) & ~3 : pc + 4;
    cpu.branched = false;
    cpu.itStateWritten = false;
    HANDLERS[this.handlers[slot]](cpu, insn);
    if (!cpu.branched) r[15] = pc + insn.length;
    if (!cpu.itStateWritten) cpu.itState = itAdvance(it);
    cpu.instructionsRetired++;
  }
}
