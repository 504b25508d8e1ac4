/**
 * Loads and stores (Arm ARM F5 pseudocode of LDR/STR and friends, LDM/STM, LDREX/STREX, SWP).
 * Every memory access happens before any register is written, so an instruction that aborts
 * changes nothing and can be retried (the base register is restored, G1 "Data Abort exception").
 */
import { A32Op, type A32Instruction } from '../../decode/a32/index';
import type { A32Cpu } from './cpu';
import type { Handler } from './handlers-alu';
import * as alu from './alu';
import { Bank as Banks } from './modes';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const shiftC = alu.shiftC;
const Bank = { ...Banks };

/** Offset address and access address of the single-register forms. */
function offsetAddress(cpu: A32Cpu, i: A32Instruction): number {
  const base = cpu.r[i.rn];
  const offset = i.regOffset ? shiftC(cpu.r[i.rm], i.shiftType, i.shiftAmount, cpu.flagC) : i.imm;
  return (i.add ? base + offset : base - offset) >>> 0;
}

const wordByte: Handler = (cpu, i) => {
  const r = cpu.r;
  const offsetAddr = offsetAddress(cpu, i);
  const address = i.index ? offsetAddr : r[i.rn];
  if (i.load) {
    // Unaligned LDR is allowed with SCTLR.A == 0 (ARMv7 and later: no rotation).
    const value = i.size === 4 ? cpu.read32(address, false) : cpu.read8(address);
    if (i.wback) r[i.rn] = offsetAddr;
    if (i.rt === 15) cpu.bxWritePc(value); // LoadWritePC
    else r[i.rt] = value;
  } else {
    const value = r[i.rt]; // PC reads as address + 8 (PCStoreValue)
    if (i.size === 4) cpu.write32(address, value, false);
    else cpu.write8(address, value);
    if (i.wback) r[i.rn] = offsetAddr;
  }
};

const extra: Handler = (cpu, i) => {
  const r = cpu.r;
  const offsetAddr = offsetAddress(cpu, i);
  const address = i.index ? offsetAddr : r[i.rn];
  if (i.load) {
    let value: number;
    if (i.size === 2) {
      value = cpu.read16(address, false);
      if (i.signed) value = ((value << 16) >> 16) >>> 0;
    } else {
      value = ((cpu.read8(address) << 24) >> 24) >>> 0; // LDRSB
    }
    if (i.wback) r[i.rn] = offsetAddr;
    r[i.rt] = value;
  } else {
    cpu.write16(address, r[i.rt], false);
    if (i.wback) r[i.rn] = offsetAddr;
  }
};

/**
 * LDRT/STRT, LDRBT/STRBT, LDRHT/STRHT, LDRSBT/LDRSHT: the access is checked as an unprivileged
 * (PL0) one, whatever the mode (Arm ARM F5 "LDRT": "as if the PE were running in User mode").
 */
function unprivileged(cpu: A32Cpu, i: A32Instruction, access: Handler): void {
  cpu.unprivilegedAccess = true;
  try {
    access(cpu, i);
  } finally {
    cpu.unprivilegedAccess = false;
  }
}

const loadStoreWordByte: Handler = (cpu, i) => (i.unprivileged ? unprivileged(cpu, i, wordByte) : wordByte(cpu, i));
const loadStoreExtra: Handler = (cpu, i) => (i.unprivileged ? unprivileged(cpu, i, extra) : extra(cpu, i));

/** LDRD/STRD: word alignment is required (Arm ARM E2.4 "Alignment support", table of alignment requirements). */
const loadStoreDual: Handler = (cpu, i) => {
  const r = cpu.r;
  const offsetAddr = offsetAddress(cpu, i);
  const address = i.index ? offsetAddr : r[i.rn];
  if (i.load) {
    const a = cpu.read32(address, true);
    const b = cpu.read32(address + 4, true);
    if (i.wback) r[i.rn] = offsetAddr;
    r[i.rt] = a;
    r[i.rt2] = b;
  } else {
    cpu.write32(address, r[i.rt], true);
    cpu.write32(address + 4, r[i.rt2], true);
    if (i.wback) r[i.rn] = offsetAddr;
  }
};

// ---- exclusives (local monitor only; Arm ARM E2.9 "Synchronization and semaphores") ----

function loadSized(cpu: A32Cpu, address: number, size: number): number {
  if (size === 4) return cpu.read32(address, true);
  if (size === 2) return cpu.read16(address, true);
  return cpu.read8(address);
}

function storeSized(cpu: A32Cpu, address: number, size: number, value: number): void {
  if (size === 4) cpu.write32(address, value, true);
  else if (size === 2) cpu.write16(address, value, true);
  else cpu.write8(address, value);
}

// T32 LDREX/STREX take an offset (imm, 0 for A32 and the other sizes).
const loadExclusive: Handler = (cpu, i) => {
  const r = cpu.r;
  const address = (r[i.rn] + i.imm) >>> 0;
  if (i.size === 8) {
    if (address & 7) cpu.alignmentFault(address, false);
    const a = cpu.read32(address, true);
    const b = cpu.read32(address + 4, true);
    r[i.rt] = a;
    r[i.rt2] = b;
  } else {
    r[i.rt] = loadSized(cpu, address, i.size);
  }
  cpu.exclusiveAddress = address;
  cpu.exclusiveSize = i.size;
};

const storeExclusive: Handler = (cpu, i) => {
  const r = cpu.r;
  const address = (r[i.rn] + i.imm) >>> 0;
  // Alignment is checked before the monitor (AArch32.ExclusiveMonitorsPass).
  if (address & (i.size - 1)) cpu.alignmentFault(address, true);
  const pass = cpu.exclusiveAddress === address && cpu.exclusiveSize === i.size;
  if (pass) {
    if (i.size === 8) {
      cpu.write32(address, r[i.rt], true);
      cpu.write32(address + 4, r[i.rt2], true);
    } else {
      storeSized(cpu, address, i.size, r[i.rt]);
    }
  }
  cpu.exclusiveAddress = -1;
  r[i.rd] = pass ? 0 : 1;
};

const loadAcquire: Handler = (cpu, i) => {
  cpu.r[i.rt] = loadSized(cpu, cpu.r[i.rn], i.size);
};

const storeRelease: Handler = (cpu, i) => {
  storeSized(cpu, cpu.r[i.rn], i.size, cpu.r[i.rt]);
};

const swap: Handler = (cpu, i) => {
  const r = cpu.r;
  const address = r[i.rn];
  if (i.size === 4) {
    const old = cpu.read32(address, true);
    cpu.write32(address, r[i.rt2], true);
    r[i.rt] = old;
  } else {
    const old = cpu.read8(address);
    cpu.write8(address, r[i.rt2]);
    r[i.rt] = old;
  }
};

// ---- load/store multiple ----

function popcount16(x: number): number {
  let n = 0;
  for (let b = x & 0xffff; b; b &= b - 1) n++;
  return n;
}

/** Lowest address accessed, for the four modes (IA, IB, DA, DB). */
function startAddress(base: number, i: A32Instruction, count: number): number {
  if (i.add) return (i.index ? base + 4 : base) >>> 0;
  return (i.index ? base - 4 * count : base - 4 * count + 4) >>> 0;
}

function writebackValue(base: number, i: A32Instruction, count: number): number {
  return (i.add ? base + 4 * count : base - 4 * count) >>> 0;
}

/** Load the listed words into cpu.scratch (no register changes yet). Word alignment is required. */
function loadWords(cpu: A32Cpu, address: number, list: number): void {
  let a = address;
  for (let n = 0; n < 16; n++) {
    if ((list >>> n) & 1) {
      cpu.scratch[n] = cpu.read32(a, true);
      a += 4;
    }
  }
}

const loadStoreMultiple: Handler = (cpu, i) => {
  const r = cpu.r;
  const list = i.registers;
  const count = popcount16(list);
  const base = r[i.rn];
  let address = startAddress(base, i, count);
  if (i.load) {
    loadWords(cpu, address, list);
    if (i.wback) r[i.rn] = writebackValue(base, i, count);
    for (let n = 0; n < 15; n++) if ((list >>> n) & 1) r[n] = cpu.scratch[n];
    if (list & 0x8000) cpu.bxWritePc(cpu.scratch[15]); // LoadWritePC
    return;
  }
  for (let n = 0; n < 16; n++) {
    if ((list >>> n) & 1) {
      // The base stores its original value (only defined when it is the lowest listed register).
      cpu.write32(address, n === i.rn ? base : r[n], true);
      address += 4;
    }
  }
  if (i.wback) r[i.rn] = writebackValue(base, i, count);
};

/** LDM/STM (User registers): in USR/SYS mode they are UNPREDICTABLE, taken here as UNDEFINED. */
function userRegistersAllowed(cpu: A32Cpu): boolean {
  if (cpu.currentBank === Bank.USR) {
    cpu.undefinedInstruction('LDM/STM (User registers) in User or System mode');
    return false;
  }
  return true;
}

const storeMultipleUser: Handler = (cpu, i) => {
  if (!userRegistersAllowed(cpu)) return;
  const list = i.registers;
  const count = popcount16(list);
  let address = startAddress(cpu.r[i.rn], i, count);
  for (let n = 0; n < 16; n++) {
    if ((list >>> n) & 1) {
      cpu.write32(address, cpu.readBankedRegister(Bank.USR, n), true);
      address += 4;
    }
  }
};

const loadMultipleUser: Handler = (cpu, i) => {
  if (!userRegistersAllowed(cpu)) return;
  const list = i.registers;
  const count = popcount16(list);
  loadWords(cpu, startAddress(cpu.r[i.rn], i, count), list);
  for (let n = 0; n < 15; n++) if ((list >>> n) & 1) cpu.writeBankedRegister(Bank.USR, n, cpu.scratch[n]);
};

/** LDM (exception return): load, then CPSR = SPSR and branch (Arm ARM F5 "LDM (exception return)"). */
const loadMultipleExceptionReturn: Handler = (cpu, i) => {
  if (!userRegistersAllowed(cpu)) return;
  const r = cpu.r;
  const list = i.registers;
  const count = popcount16(list);
  const base = r[i.rn];
  loadWords(cpu, startAddress(base, i, count), list);
  if (i.wback) r[i.rn] = writebackValue(base, i, count);
  for (let n = 0; n < 15; n++) if ((list >>> n) & 1) r[n] = cpu.scratch[n];
  cpu.exceptionReturn(cpu.scratch[15], cpu.spsr());
};

export const memoryHandlers: Record<number, Handler> = {
  [A32Op.LoadStoreWordByte]: loadStoreWordByte,
  [A32Op.LoadStoreExtra]: loadStoreExtra,
  [A32Op.LoadStoreDual]: loadStoreDual,
  [A32Op.LoadExclusive]: loadExclusive,
  [A32Op.StoreExclusive]: storeExclusive,
  [A32Op.LoadAcquire]: loadAcquire,
  [A32Op.StoreRelease]: storeRelease,
  [A32Op.Swap]: swap,
  [A32Op.LoadStoreMultiple]: loadStoreMultiple,
  [A32Op.LoadMultipleUser]: loadMultipleUser,
  [A32Op.LoadMultipleExceptionReturn]: loadMultipleExceptionReturn,
  [A32Op.StoreMultipleUser]: storeMultipleUser,
};
