/**
 * Loads and stores: LDR/STR (every size, sign extension and addressing mode), pairs, literals,
 * exclusives and acquire/release, prefetches (Arm ARM C6.2 operation pseudocode). Every memory
 * access happens before any register is written, so an aborted instruction changes nothing and
 * can be retried.
 */
import { A64Op, AddrMode, type A64Instruction } from '../../decode/a64/instruction';
import { MemoryAbort } from '../../mmu/fault';
import type { A64Cpu } from './cpu';
import type { Handler } from './handlers-alu';
import * as operands from './operands';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const Op: typeof A64Op = { ...A64Op };
const Mode: typeof AddrMode = { ...AddrMode };
const { extendOperand, toAddress } = operands;

/** Base + offset for loads and stores, as a VA number; also leaves the 64-bit sum in opLo/opHi for writeback. */
function address(cpu: A64Cpu, i: A64Instruction): number {
  const n = i.xn;
  let offLo: number;
  let offHi: number;
  if (i.variant === Mode.REGISTER) {
    extendOperand(cpu, i.xm, i.shiftType, i.shiftAmount);
    offLo = cpu.opLo;
    offHi = cpu.opHi;
  } else if (i.variant === Mode.POST_INDEX) {
    offLo = 0;
    offHi = 0;
  } else {
    offLo = i.imm >>> 0;
    offHi = i.imm < 0 ? 0xffffffff : 0;
  }
  const l = cpu.lo[n] + offLo;
  const lo = l >>> 0;
  const hi = (cpu.hi[n] + offHi + (l > 0xffffffff ? 1 : 0)) >>> 0;
  cpu.opLo = lo;
  cpu.opHi = hi;
  const va = toAddress(lo, hi);
  if (Number.isNaN(va)) cpu.unrepresentable(lo, hi, i.op === Op.STR || i.op === Op.STP || i.op === Op.STXR || i.op === Op.STXP || i.op === Op.STLR);
  return va;
}

/** Base <- base + imm for pre/post-indexed forms, computed before the access (the base may also be a destination). */
function prepareWriteback(cpu: A64Cpu, i: A64Instruction): void {
  const n = i.xn;
  const l = cpu.lo[n] + (i.imm >>> 0);
  cpu.wbHi = (cpu.hi[n] + (i.imm < 0 ? 0xffffffff : 0) + (l > 0xffffffff ? 1 : 0)) >>> 0;
  cpu.wbLo = l >>> 0;
}

/**
 * Apply the writeback after the register writes: with Rt == Rn (CONSTRAINED UNPREDICTABLE,
 * C6.2 "LDR (immediate)") the base gets the written-back address, as QEMU does.
 */
function writeback(cpu: A64Cpu, i: A64Instruction): void {
  cpu.lo[i.xn] = cpu.wbLo;
  cpu.hi[i.xn] = cpu.wbHi;
}

/** Load `size` (log2 bytes) from va into opLo/opHi, zero-extended. */
function load(cpu: A64Cpu, va: number, size: number): void {
  const m = cpu.memory;
  switch (size) {
    case 0:
      cpu.opLo = m.read8(va);
      cpu.opHi = 0;
      return;
    case 1:
      cpu.opLo = m.read16(va);
      cpu.opHi = 0;
      return;
    case 2:
      cpu.opLo = m.read32(va) >>> 0;
      cpu.opHi = 0;
      return;
    default: {
      // Two 32-bit accesses, low word first (little-endian).
      const l = m.read32(va) >>> 0;
      cpu.opHi = m.read32(va + 4) >>> 0;
      cpu.opLo = l;
    }
  }
}

function store(cpu: A64Cpu, va: number, size: number, lo: number, hi: number): void {
  const m = cpu.memory;
  switch (size) {
    case 0:
      m.write8(va, lo & 0xff);
      return;
    case 1:
      m.write16(va, lo & 0xffff);
      return;
    case 2:
      m.write32(va, lo >>> 0);
      return;
    default:
      m.write32(va, lo >>> 0);
      m.write32(va + 4, hi >>> 0);
  }
}

/** Sign-extend opLo/opHi from `size` into a 32- or 64-bit register value. */
function signExtendLoaded(cpu: A64Cpu, size: number, sf: number): void {
  let l = cpu.opLo;
  if (size === 0) l = (l << 24) >> 24;
  else if (size === 1) l = (l << 16) >> 16;
  else l = l | 0;
  cpu.opLo = l >>> 0;
  cpu.opHi = sf ? (l >> 31) >>> 0 : 0;
}

/** An alignment fault for exclusive/ordered accesses (B2.5.2: these always check alignment). */
function checkAlignment(va: number, bytes: number, write: boolean): void {
  if (va % bytes !== 0) {
    throw new MemoryAbort({ kind: 'alignment', stage: 1, level: -1, access: write ? 'write' : 'read', va, ipa: 0, s1ptw: false });
  }
}

/** LDR and LDRS, every addressing mode. */
const loadRegister: Handler = (cpu, i) => {
  const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
  if (wb) prepareWriteback(cpu, i);
  const va = address(cpu, i);
  load(cpu, va, i.size);
  if (i.op === Op.LDRS) signExtendLoaded(cpu, i.size, i.sf);
  cpu.lo[i.xd] = cpu.opLo;
  cpu.hi[i.xd] = cpu.opHi;
  if (wb) writeback(cpu, i);
};

const storeRegister: Handler = (cpu, i) => {
  const t = i.xd;
  const tl = cpu.lo[t];
  const th = cpu.hi[t];
  const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
  if (wb) prepareWriteback(cpu, i);
  const va = address(cpu, i);
  store(cpu, va, i.size, tl, th);
  if (wb) writeback(cpu, i);
};

/** LDP and LDPSW. */
const loadPair: Handler = (cpu, i) => {
  const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
  if (wb) prepareWriteback(cpu, i);
  const va = address(cpu, i);
  const bytes = 1 << i.size;
  load(cpu, va, i.size);
  if (i.op === Op.LDPSW) signExtendLoaded(cpu, 2, 1);
  const l1 = cpu.opLo;
  const h1 = cpu.opHi;
  load(cpu, va + bytes, i.size);
  if (i.op === Op.LDPSW) signExtendLoaded(cpu, 2, 1);
  cpu.lo[i.xd] = l1;
  cpu.hi[i.xd] = h1;
  cpu.lo[i.xa] = cpu.opLo;
  cpu.hi[i.xa] = cpu.opHi;
  if (wb) writeback(cpu, i);
};

const storePair: Handler = (cpu, i) => {
  const l1 = cpu.lo[i.xd];
  const h1 = cpu.hi[i.xd];
  const l2 = cpu.lo[i.xa];
  const h2 = cpu.hi[i.xa];
  const wb = i.variant === Mode.PRE_INDEX || i.variant === Mode.POST_INDEX;
  if (wb) prepareWriteback(cpu, i);
  const va = address(cpu, i);
  store(cpu, va, i.size, l1, h1);
  store(cpu, va + (1 << i.size), i.size, l2, h2);
  if (wb) writeback(cpu, i);
};

/** LDR (literal) and LDRSW (literal). */
const loadLiteral: Handler = (cpu, i) => {
  load(cpu, cpu.curPc + i.imm, i.size);
  if (i.op === Op.LDRSW_LIT) signExtendLoaded(cpu, 2, 1);
  cpu.lo[i.xd] = cpu.opLo;
  cpu.hi[i.xd] = cpu.opHi;
};

/** PRFM: a hint with no observable effect in this single-observer model (C6.2 "PRFM"). */
const prefetch: Handler = () => {};

/** LDXR/STXR/LDXP/STXP/LDAXR/STLXR/LDAR/STLR with the local exclusive monitor (B2.9). */
const exclusiveOrOrdered: Handler = (cpu, i) => {
  const lo = cpu.lo;
  const hi = cpu.hi;
  const pair = i.op === Op.LDXP || i.op === Op.STXP;
  const bytes = (1 << i.size) * (pair ? 2 : 1);
  const write = i.op === Op.STXR || i.op === Op.STXP || i.op === Op.STLR;
  const va = address(cpu, i);
  checkAlignment(va, bytes, write);
  switch (i.op) {
    case Op.LDXR:
    case Op.LDAR: {
      load(cpu, va, i.size);
      if (i.op === Op.LDXR) {
        cpu.exclusiveAddress = va;
        cpu.exclusiveSize = bytes;
      }
      lo[i.xd] = cpu.opLo;
      hi[i.xd] = cpu.opHi;
      return;
    }
    case Op.LDXP: {
      load(cpu, va, i.size);
      const l1 = cpu.opLo;
      const h1 = cpu.opHi;
      load(cpu, va + (1 << i.size), i.size);
      cpu.exclusiveAddress = va;
      cpu.exclusiveSize = bytes;
      lo[i.xd] = l1;
      hi[i.xd] = h1;
      lo[i.xa] = cpu.opLo;
      hi[i.xa] = cpu.opHi;
      return;
    }
    case Op.STLR:
      store(cpu, va, i.size, lo[i.xd], hi[i.xd]);
      return;
    default: {
      // STXR/STXP: store only if the monitor holds this address and size; Ws <- 0 on success, 1 on failure.
      const ok = cpu.exclusiveAddress === va && cpu.exclusiveSize === bytes;
      if (ok) {
        store(cpu, va, i.size, lo[i.xd], hi[i.xd]);
        if (pair) store(cpu, va + (1 << i.size), i.size, lo[i.xa], hi[i.xa]);
      }
      cpu.exclusiveAddress = -1;
      lo[i.xm] = ok ? 0 : 1;
      hi[i.xm] = 0;
    }
  }
};

const clearExclusive: Handler = (cpu) => {
  cpu.exclusiveAddress = -1;
};

export const memoryHandlers: Record<number, Handler> = {
  [Op.LDR]: loadRegister,
  [Op.LDRS]: loadRegister,
  [Op.STR]: storeRegister,
  [Op.LDP]: loadPair,
  [Op.LDPSW]: loadPair,
  [Op.STP]: storePair,
  [Op.LDR_LIT]: loadLiteral,
  [Op.LDRSW_LIT]: loadLiteral,
  [Op.PRFM]: prefetch,
  [Op.PRFM_LIT]: prefetch,
  [Op.LDXR]: exclusiveOrOrdered,
  [Op.LDAR]: exclusiveOrOrdered,
  [Op.STLR]: exclusiveOrOrdered,
  [Op.STXR]: exclusiveOrOrdered,
  [Op.LDXP]: exclusiveOrOrdered,
  [Op.STXP]: exclusiveOrOrdered,
  [Op.CLREX]: clearExclusive,
};
